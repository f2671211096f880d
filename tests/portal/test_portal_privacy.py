"""Privacy: after tips arrive, no file the portal wrote and no line it logged holds the
visitor's address or browser; and tips export back as a signed bundle.

The live server runs ``vidi portal serve`` in a child process with its output captured;
the client connects from 127.0.0.3 (a loopback address used for nothing else) with a
browser string of its own, so any trace of either would be found by a byte search.
"""

from __future__ import annotations

import socket
from pathlib import Path

import altcha
import httpx
import pytest
from portal_fixtures import LivePortal, PortalSetup, make_client, tip_form

from vidi.bundles import load_trusted_key, read_tips_bundle
from vidi.portal.settings import TIPS_KEY_NAME

CLIENT_ADDRESS = "127.0.0.3"
USER_AGENT = "PrivacyProbe/7.7 (unmistakable-browser-string)"


def every_byte_under(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


@pytest.mark.slow
def test_no_address_or_browser_string_is_stored_or_logged(live_portal: LivePortal) -> None:
    transport = httpx.HTTPTransport(local_address=CLIENT_ADDRESS)
    headers = {"User-Agent": USER_AGENT, "X-Forwarded-For": "203.0.113.9"}
    with httpx.Client(transport=transport, headers=headers, base_url=live_portal.url) as client:
        assert client.get("/").status_code == 200
        for number in range(3):
            challenge = altcha.Challenge.from_dict(client.get("/pow/challenge").json())
            solution = altcha.solve_challenge(challenge)
            assert solution is not None
            form = {
                "what": f"tip {number}",
                "where": "Antwerp",
                "contact": "",
                "consent": "yes",
                "lang": "nl",
                "altcha": altcha.Payload(challenge, solution).to_base64(),
            }
            sent = client.post("/objects/bag-003/tips", data=form)
            assert sent.status_code == 303
            assert "set-cookie" not in sent.headers
        assert (
            client.post(
                "/objects/bag-003/tips", data={"what": "no proof", "consent": "yes"}
            ).status_code
            == 403
        )
        assert client.get("/objects/none").status_code == 404
        assert len(client.cookies) == 0
    with socket.create_connection(
        ("127.0.0.1", int(live_portal.url.rsplit(":", 1)[1])), source_address=(CLIENT_ADDRESS, 0)
    ) as raw:
        raw.sendall(b"NOT HTTP AT ALL\r\n\r\n")  # a bad request: uvicorn logs a warning
        raw.recv(1024)
    live_portal.process.terminate()
    live_portal.process.wait(timeout=10)

    written = every_byte_under(live_portal.data)
    logged = live_portal.log.read_bytes()
    assert b"tip 2" in written  # the tips are there (in the database or its WAL)
    assert b"Application startup complete" in logged  # the log was captured
    for trace in (CLIENT_ADDRESS, USER_AGENT, "PrivacyProbe", "203.0.113.9"):
        assert trace.encode() not in written, trace
        assert trace.encode() not in logged, trace


def test_tips_export_as_a_bundle_the_workbench_can_verify(
    portal_setup: PortalSetup, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from vidi.cli.main import app

    client = make_client(portal_setup)
    for what in ("first", "<script>second</script>"):
        client.post("/objects/shirt-002/tips", data=tip_form(client, what=what, lang="fr"))

    def export(out: str):  # type: ignore[no-untyped-def]
        arguments = ["portal", "tips", "export", "--data", str(portal_setup.data), out]
        return CliRunner().invoke(app, arguments)

    done = export(str(tmp_path / "out1"))
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("2 tips written to")
    trusted = load_trusted_key(portal_setup.data / f"{TIPS_KEY_NAME}.pub")
    tips = read_tips_bundle(tmp_path / "out1", trusted)
    assert sorted(tip.what for tip in tips) == ["<script>second</script>", "first"]
    assert {tip.object_id for tip in tips} == {"shirt-002"} and tips[0].language == "fr"
    assert tips[0].received_at.endswith(":00+00:00")  # to the minute, no finer

    again = export(str(tmp_path / "out2"))
    assert again.stdout.startswith("0 tips written")
    assert read_tips_bundle(tmp_path / "out2", trusted) == []
    onto_old = export(str(tmp_path / "out1"))
    assert onto_old.exit_code == 2
    assert onto_old.stderr.count("\n") == 1 and "not empty" in onto_old.stderr
