"""Helpers for the portal tests: a signed sample bundle, clients, challenges, a live server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import altcha
import pytest
from fastapi.testclient import TestClient

from vidi.bundles import SigningKey, write_publication_bundle
from vidi.portal.app import create_app
from vidi.portal.sample import sample_objects
from vidi.portal.server import load_publication
from vidi.portal.settings import TRUSTED_PUBLISHER_KEY, Limits, PortalSettings


@dataclass(frozen=True)
class PortalSetup:
    bundle: Path
    data: Path
    workbench_key: SigningKey

    def settings(self, limits: Limits = Limits()) -> PortalSettings:
        return PortalSettings.create(self.bundle, self.data, limits=limits)


def make_portal_setup(folder: Path) -> PortalSetup:
    """A bundle of four sample objects signed by a workbench key the portal trusts."""
    key = SigningKey.load_or_create(folder / "workbench-home", "publication")
    write_publication_bundle(folder / "bundle", sample_objects(4), key)
    data = folder / "portal-data"
    (data / TRUSTED_PUBLISHER_KEY).parent.mkdir(parents=True)
    (data / TRUSTED_PUBLISHER_KEY).write_bytes(key.public_path.read_bytes())
    return PortalSetup(folder / "bundle", data, key)


@pytest.fixture
def portal_setup(tmp_path: Path) -> PortalSetup:
    return make_portal_setup(tmp_path)


def make_client(setup: PortalSetup, limits: Limits = Limits()) -> TestClient:
    settings = setup.settings(limits)
    return TestClient(create_app(load_publication(settings), settings))


@pytest.fixture
def client(portal_setup: PortalSetup) -> TestClient:
    return make_client(portal_setup)


def solved_payload(client: TestClient) -> str:
    """Fetch a challenge and solve it as a browser would (counter search)."""
    challenge = altcha.Challenge.from_dict(client.get("/pow/challenge").json())
    solution = altcha.solve_challenge(challenge)
    assert solution is not None
    return altcha.Payload(challenge, solution).to_base64()


def tip_form(client: TestClient, **fields: str) -> dict[str, str]:
    form = {
        "what": "I saw this mug in a shop",
        "where": "Utrecht",
        "contact": "",
        "consent": "yes",
        "lang": "en",
    }
    form.update(fields)
    if "altcha" not in fields:
        form["altcha"] = solved_payload(client)
    return form


@dataclass(frozen=True)
class LivePortal:
    url: str
    log: Path
    data: Path
    process: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_portal(setup: PortalSetup, log: Path) -> Iterator[LivePortal]:
    """``vidi portal serve`` in a child process, its output captured to ``log``."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key != "VIDI_DATABASE_URL"}
    command = [
        sys.executable,
        "-m",
        "vidi",
        "portal",
        "serve",
        "--port",
        str(port),
        "--bundle",
        str(setup.bundle),
        "--data",
        str(setup.data),
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    try:
        _wait_for(port, process, log)
        yield LivePortal(f"http://127.0.0.1:{port}", log, setup.data, process)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def live_portal(portal_setup: PortalSetup, tmp_path: Path) -> Iterator[LivePortal]:
    with running_portal(portal_setup, tmp_path / "portal.log") as portal:
        yield portal


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the portal stopped: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"the portal did not start within 30 s: {log.read_text()}")
