"""Benchmark: the public portal under a bounded local load (loopback only).

Builds a bundle of 200 sample objects, starts ``vidi portal serve`` on 127.0.0.1 in a
child process (limits raised so the rate limits do not cap the figure), then:

1. solves ``--tips`` proof-of-work challenges as a browser would (counter search with the
   altcha library, in worker processes) and reports what one costs the sender;
2. posts the tips with ``--concurrency`` threads and reports tips accepted per second
   (each one checked: form, proof of work, replay, rate limits, SQLite insert);
3. fetches the gallery (200 objects) and one object page ``--requests`` times each and
   reports the median and p95 latency.

Prints the ratio of the sender's cost to the server's, the point of a proof of work.
Nothing leaves the machine: every request goes to 127.0.0.1.

    python bench/portal.py --tips 300 --requests 400
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import altcha
import httpx

from vidi.bundles import SigningKey, write_publication_bundle
from vidi.portal.sample import sample_objects
from vidi.portal.settings import TRUSTED_PUBLISHER_KEY

POW_MAX_NUMBER = 50_000


def solve(challenge_json: dict) -> tuple[str, float]:
    challenge = altcha.Challenge.from_dict(challenge_json)
    started = time.perf_counter()
    solution = altcha.solve_challenge(challenge)
    assert solution is not None
    return altcha.Payload(challenge, solution).to_base64(), time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def start_portal(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    key = SigningKey.load_or_create(folder / "workbench", "publication")
    write_publication_bundle(folder / "bundle", sample_objects(200), key)
    trusted = folder / "data" / TRUSTED_PUBLISHER_KEY
    trusted.parent.mkdir(parents=True)
    trusted.write_bytes(key.public_path.read_bytes())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "vidi",
        "portal",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--bundle",
        str(folder / "bundle"),
        "--data",
        str(folder / "data"),
        "--tips-per-object-per-hour",
        "1000000",
        "--tips-per-minute",
        "1000000",
        "--pow-max-number",
        str(POW_MAX_NUMBER),
    ]
    env = {k: v for k, v in os.environ.items() if k != "VIDI_DATABASE_URL"}
    log = (folder / "portal.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            httpx.get(url + "/", timeout=1)
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit(f"the portal did not start: {(folder / 'portal.log').read_text()}")


def send_tip(client: httpx.Client, number: int, payload: str) -> tuple[bool, float]:
    form = {
        "what": f"benchmark tip {number}",
        "where": "nowhere",
        "contact": "",
        "consent": "yes",
        "lang": "en",
        "altcha": payload,
    }
    started = time.perf_counter()
    response = client.post(f"/objects/mug-{1 + 4 * (number % 50):03d}/tips", data=form)
    return response.status_code == 303, time.perf_counter() - started


def timed_gets(client: httpx.Client, path: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        assert client.get(path).status_code == 200
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tips", type=int, default=300)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        process, url = start_portal(Path(temporary))
        try:
            limits = httpx.Limits(max_connections=args.concurrency)
            with httpx.Client(base_url=url, limits=limits, timeout=30) as client:
                challenges = [client.get("/pow/challenge").json() for _ in range(args.tips)]
                with ProcessPoolExecutor() as pool:
                    solved = list(pool.map(solve, challenges, chunksize=8))
                solve_times = [seconds for _, seconds in solved]
                started = time.perf_counter()
                with ThreadPoolExecutor(args.concurrency) as threads:
                    results = list(
                        threads.map(
                            lambda job: send_tip(client, *job),
                            [(n, p) for n, (p, _) in enumerate(solved)],
                        )
                    )
                elapsed = time.perf_counter() - started
                accepted = sum(ok for ok, _ in results)
                gallery = timed_gets(client, "/", args.requests)
                page = timed_gets(client, "/objects/mug-001", args.requests)
        finally:
            process.terminate()
            process.wait(timeout=10)
    per_tip_server = elapsed / max(accepted, 1) * args.concurrency
    print(f"objects in the bundle: 200; cores: {os.cpu_count()}")
    print(
        f"proof of work (SHA-256, secret counter below {POW_MAX_NUMBER}), solved in Python:"
        f" median {statistics.median(solve_times) * 1000:.0f} ms,"
        f" p95 {percentile(solve_times, 0.95) * 1000:.0f} ms per challenge"
    )
    print(
        f"tips accepted: {accepted}/{args.tips} in {elapsed:.2f} s ="
        f" {accepted / elapsed:.0f} tips/s ({args.concurrency} concurrent senders)"
    )
    print(f"tip request latency: median {statistics.median(t for _, t in results) * 1000:.1f} ms")
    print(
        f"gallery (200 objects): median {statistics.median(gallery) * 1000:.1f} ms,"
        f" p95 {percentile(gallery, 0.95) * 1000:.1f} ms over {args.requests} requests"
    )
    print(
        f"object page: median {statistics.median(page) * 1000:.1f} ms,"
        f" p95 {percentile(page, 0.95) * 1000:.1f} ms"
    )
    ratio = statistics.median(solve_times) / per_tip_server
    print(f"ratio: a sender spends {ratio:.0f}x the server's time per tip on the proof of work")


if __name__ == "__main__":
    main()
