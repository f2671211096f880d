"""The decode floor: one examine for every caller, failures that carry their reason."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

import pytest

from vidi.config import Settings
from vidi.errors import DecodeError, SourceError, VidiError
from vidi.media.children import FAILED, TIMEOUT, run_bounded
from vidi.media.examine import examine, picture_facts
from vidi.media.pictures import open_upright
from vidi.sources.streams import read_evidence
from vidi_testing import jpeg_bytes, scene


def test_examine_gives_the_facts_ingest_stores_for_a_picture(
    tmp_path: Path, settings: Settings
) -> None:
    path = tmp_path / "room.jpg"
    path.write_bytes(jpeg_bytes(scene(3, 800, 600)))
    facts = examine(path, settings)
    stored, _image = picture_facts(read_evidence(path), settings.image)
    assert facts.picture == stored
    assert (facts.media_type, facts.picture.width, facts.picture.height) == ("image", 800, 600)
    assert list(facts.as_dict()) == [
        "path",
        "md5",
        "sha1",
        "sha256",
        "size",
        "file_type",
        "media_type",
        "format",
        "width",
        "height",
        "pdq",
        "pdq_quality",
        "fingerprinter",
    ]
    assert facts.as_dict()["file_type"] == "image/jpeg"


def test_an_undecodable_picture_is_a_fact_with_its_reason(
    tmp_path: Path, settings: Settings
) -> None:
    path = tmp_path / "broken.jpg"
    path.write_bytes(jpeg_bytes(scene(4))[:200])
    facts = examine(path, settings)
    assert facts.picture is None and facts.error is not None
    assert facts.error.reason == "corrupt-image"
    assert facts.as_dict()["error"] == f"corrupt-image: {facts.error.detail}"


def test_examine_refuses_a_folder(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(SourceError, match="is not a file"):
        examine(tmp_path, settings)


def test_a_picture_over_the_pixel_limit_is_refused_as_a_bomb_when_opened(tmp_path: Path) -> None:
    from vidi.config import ImageLimits

    path = tmp_path / "wide.png"
    scene(5, 400, 300).save(path)
    with pytest.raises(DecodeError) as caught:
        open_upright(path, "L", ImageLimits(max_pixels=100_000))
    assert caught.value.reason == "decompression-bomb"
    assert open_upright(path, "L").mode == "L"


def test_a_child_that_overruns_fails_with_the_timeout_reason() -> None:
    sleeper = [sys.executable, "-c", "import time; time.sleep(30)"]
    with pytest.raises(DecodeError) as caught:
        run_bounded(sleeper, 0.5, "sleeper")
    assert caught.value.reason == TIMEOUT
    assert str(caught.value) == "sleeper: stopped after 0.5 s (decoder hung?)"


def test_a_child_that_fails_says_why_in_its_detail() -> None:
    failing = [sys.executable, "-c", "import sys; sys.exit('no such stream')"]
    with pytest.raises(DecodeError) as caught:
        run_bounded(failing, 30, "probe")
    assert caught.value.reason == FAILED
    assert caught.value.detail == "probe: no such stream"


def test_an_error_built_from_a_reason_reads_as_before_and_survives_pickling() -> None:
    error = DecodeError(reason="corrupt-image", detail="truncated")
    assert str(error) == "corrupt-image: truncated"
    back = pickle.loads(pickle.dumps(error))
    assert (back.reason, back.detail, str(back)) == ("corrupt-image", "truncated", str(error))
    plain = VidiError("something went wrong")
    assert (plain.reason, plain.detail) == (None, "something went wrong")
