"""Pictures leave the server blurred; the clear one only through the audited reveal."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image
from sqlalchemy import select
from webapp import Web

from vidi.store.models import AuditEvent, Media


def detail(data: bytes) -> float:
    """How much fine detail a picture holds: the variance of its pixel differences."""
    grey = np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=np.float64)
    return float(np.diff(grey, axis=1).var() + np.diff(grey, axis=0).var())


def stored_thumbnail(web: Web, sha: str) -> bytes:
    with web.workbench.db.session() as session:
        media = session.get(Media, sha)
        assert media is not None and media.thumbnail
        relative = media.thumbnail
    return (web.workbench.settings.blob_dir / relative).read_bytes()


def test_the_thumbnail_is_blurred_on_the_server(web: Web) -> None:
    alice = web.sign_in("alice")
    sha = web.media_a[0]
    answer = alice.get(f"/cases/{web.case_a}/media/{sha}/thumbnail")
    clear = stored_thumbnail(web, sha)
    assert answer.status_code == 200 and answer.content != clear
    assert detail(answer.content) < detail(clear) / 10
    assert answer.headers["cache-control"] == "private, max-age=300"
    again = alice.get(
        f"/cases/{web.case_a}/media/{sha}/thumbnail",
        headers={"if-none-match": answer.headers["etag"]},
    )
    assert again.status_code == 304 and again.content == b""


def test_the_users_settings_shape_the_blurred_thumbnail(web: Web) -> None:
    vera = web.sign_in("vera")
    csrf = web.csrf(vera)
    path = f"/api/cases/{web.case_a}/media/{web.media_a[0]}/thumbnail"
    settings = {"blur_strength": 6, "greyscale": False, "thumb_size": 128}
    assert vera.put(
        "/api/account/exposure", json=settings, headers={"x-csrf-token": csrf}
    ).is_success
    small = Image.open(io.BytesIO(vera.get(path).content))
    assert max(small.size) == 128 and small.mode == "RGB"
    settings = {"blur_strength": 3, "greyscale": True, "thumb_size": 192}
    refused = vera.put("/api/account/exposure", json=settings, headers={"x-csrf-token": csrf})
    assert refused.status_code == 400  # never less blur than the floor
    settings = {"blur_strength": 24, "greyscale": True, "thumb_size": 192}
    assert vera.put(
        "/api/account/exposure", json=settings, headers={"x-csrf-token": csrf}
    ).is_success
    assert Image.open(io.BytesIO(vera.get(path).content)).mode == "L"


def test_a_reveal_returns_the_clear_picture_and_is_audited_and_counted(web: Web) -> None:
    alice = web.sign_in("alice")
    csrf = web.csrf(alice)
    sha = web.media_a[1]
    before = alice.get("/api/account/exposure").json()
    answer = alice.post(f"/cases/{web.case_a}/media/{sha}/reveal", headers={"x-csrf-token": csrf})
    assert answer.status_code == 200
    assert answer.content == stored_thumbnail(web, sha)
    assert answer.headers["cache-control"] == "no-store"
    with web.workbench.db.session() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert last is not None
        assert (last.actor, last.action, last.subject) == ("alice", "reveal", f"media:{sha}")
        assert last.detail == {"case": web.case_a}
    after = alice.get("/api/account/exposure").json()
    assert after["session_reveals"] == before["session_reveals"] + 1
    assert after["total_reveals"] == before["total_reveals"] + 1
    assert web.workbench.audit_verify().ok


def test_the_case_page_shows_only_server_blurred_pictures(web: Web) -> None:
    alice = web.sign_in("alice")
    page = alice.get(f"/cases/{web.case_a}").text
    for sha in web.media_a:
        assert f"/cases/{web.case_a}/media/{sha}/thumbnail?s=" in page
        assert f'data-reveal="/cases/{web.case_a}/media/{sha}/reveal"' in page
    assert "autoplay" not in page and "<video" not in page
