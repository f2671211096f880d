"""``vidi serve --workers N``: several server processes answer one signed-in browser,
because sessions, throttling and exposure live in the database, not in a process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from vidi import Workbench
from vidi.config import load_settings
from vidi.web.serving import MAX_AUTO_WORKERS, default_workers

PASSWORD = "a password long enough"


def test_the_default_is_one_process_on_sqlite_and_one_per_core_on_postgresql() -> None:
    assert default_workers("sqlite:////tmp/vidi.db") == 1
    chosen = default_workers("postgresql+psycopg://vidi@db/vidi")
    assert chosen == max(1, min(MAX_AUTO_WORKERS, os.cpu_count() or 1))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_worker_processes_share_the_signed_in_session(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with Workbench(load_settings(home, env={})) as bench:
        bench.create_case("op-wren")
        once = bench.add_user("ines", "investigator").password
        bench.add_member("op-wren", "ines")
        first = bench.sign_in("ines", once, "setup")
        bench.change_password(bench.identify(first.token), once, PASSWORD)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIDI_")}
    command = [sys.executable, "-m", "vidi", "--home", str(home), "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(base + "/sign-in", timeout=1)
                break
            except httpx.HTTPError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=30) as browser:
            signed = browser.post("/api/sign-in", json={"name": "ines", "password": PASSWORD})
            assert signed.status_code == 200, signed.text
            # A new connection each time, so both processes take some of the requests.
            answers = [
                browser.get("/api/cases", headers={"connection": "close"}) for _ in range(12)
            ]
        assert [a.status_code for a in answers] == [200] * 12
        assert all(a.json()[0]["name"] == "op-wren" for a in answers)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "(2 processes)" in output
