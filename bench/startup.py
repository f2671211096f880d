"""Benchmark: how long the ``vidi`` command takes to start, against what Typer alone costs.

Runs each command in a fresh interpreter several times and keeps the fastest run, in
wall-clock seconds and in CPU seconds (user + system). On a busy machine the wall-clock
figure is inflated by waiting for a core; the CPU figure is close to what an idle machine
shows as wall-clock time. The floors are a bare interpreter, ``import typer``, a
one-command Typer app's ``--help`` (plain and Rich-formatted) and run, and
``import sqlalchemy.orm`` (what any command that reads the database pays), so each Vidi
figure can be read as a ratio to what the libraries themselves cost. Also counts the
modules each command imports (``python -X importtime``).

The commands that read the database run on a home made (and upgraded) before timing
starts, holding one case.

    python bench/startup.py --runs 9
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TYPER_APP = """
import sys, typer
app = typer.Typer(rich_markup_mode={mode!r})
@app.callback()
def main(debug: bool = typer.Option(False, "--debug")) -> None:
    "A one-command app."
@app.command()
def hello(name: str) -> None:
    "Say hello."
app()
"""


def fastest(command: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of the fastest of ``runs`` runs."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(walls), min(cpus)


def module_count(args: list[str], env: dict[str, str]) -> int:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        env=env,
    )
    return sum(1 for line in done.stderr.splitlines() if line.startswith("import time:")) - 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    options = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "VIDI_HOME": home}
        subprocess.run(
            [python, "-m", "vidi", "case", "create", "bench"], env=env, capture_output=True
        )
        floors = {
            "python -c pass": ["-c", "pass"],
            "python -c 'import typer'": ["-c", "import typer"],
            "one-command Typer app --help (plain)": ["-c", TYPER_APP.format(mode=None), "--help"],
            "one-command Typer app --help (Rich)": ["-c", TYPER_APP.format(mode="rich"), "--help"],
            "one-command Typer app, run the command": [
                "-c",
                TYPER_APP.format(mode=None),
                "hello",
                "x",
            ],
            "python -c 'import sqlalchemy.orm'": ["-c", "import sqlalchemy.orm"],
        }
        commands = {
            "vidi --help": ["-m", "vidi", "--help"],
            "vidi case list --help": ["-m", "vidi", "case", "list", "--help"],
            "vidi report --help": ["-m", "vidi", "report", "--help"],
            "vidi ingest --help": ["-m", "vidi", "ingest", "--help"],
            "vidi case list (one case)": ["-m", "vidi", "case", "list"],
            "vidi status (one case, no media)": ["-m", "vidi", "status"],
        }
        typer_cpu = 0.0
        print(
            f"{'command':45} {'wall s':>7} {'CPU s':>7} {'modules':>8} {'CPU / import typer':>19}"
        )
        for name, args in {**floors, **commands}.items():
            wall, cpu = fastest([python, *args], options.runs, env)
            if name == "python -c 'import typer'":
                typer_cpu = cpu
            ratio = f"{cpu / typer_cpu:.2f}" if typer_cpu else ""
            count = module_count(args, env)
            print(f"{name:45} {wall:7.3f} {cpu:7.3f} {count:8d} {ratio:>19}")
    print(
        f"\n(fastest of {options.runs} runs; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores; {Path(python).name} {sys.version.split()[0]})"
    )


if __name__ == "__main__":
    main()
