"""The Workbench from Python: the library's face, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vidi import Workbench
from vidi.config import Settings
from vidi.errors import NotFound
from vidi.media.examine import MediaFacts
from vidi_testing import jpeg_bytes, scene


@pytest.fixture(params=["sqlite", "postgresql"])
def workbench(request: pytest.FixtureRequest, settings: Settings) -> Workbench:
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        settings = settings.with_changes(database_url=url)
    chosen = settings.with_changes(extractors=())  # no OCR: these tests are about the face
    with Workbench(chosen) as wb:
        yield wb


def seizure(folder: Path) -> Path:
    folder.mkdir()
    (folder / "a.jpg").write_bytes(jpeg_bytes(scene(1)))
    (folder / "b.jpg").write_bytes(jpeg_bytes(scene(2)))
    (folder / "a-again.jpg").write_bytes((folder / "a.jpg").read_bytes())
    return folder


def test_a_case_is_created_ingested_matched_and_reported(
    workbench: Workbench, tmp_path: Path
) -> None:
    created = workbench.create_case("op-kite", country="pl")
    assert (created.name, created.country) == ("op-kite", "PL")
    assert [c.name for c in workbench.cases()] == ["op-kite"]

    outcome = workbench.ingest("op-kite", [seizure(tmp_path / "seizure")])
    assert (outcome.ingest.files_seen, outcome.ingest.media_new) == (3, 2)
    assert outcome.match.media == 2 and outcome.match.deferred is None
    assert outcome.clues is None  # no extractor enabled

    report = workbench.report("op-kite")
    assert (report.files, report.unique_media, report.exact_duplicates) == (3, 2, 1)
    assert report.known is not None and report.known.new == 2
    assert report.places is not None and report.places.media_waiting_for_clues == 2

    again = workbench.ingest("op-kite", [tmp_path / "seizure"])
    assert again.ingest.files_skipped == 3 and again.match.media == 0


def test_every_result_is_json_and_says_what_the_cli_prints(
    workbench: Workbench, tmp_path: Path
) -> None:
    workbench.create_case("op-kite")
    folder = seizure(tmp_path / "seizure")
    results = [
        workbench.case("op-kite"),
        workbench.ingest("op-kite", [folder]),
        workbench.report("op-kite"),
        workbench.place("op-kite"),
        workbench.describe_file(folder / "b.jpg"),
        workbench.status(),
        workbench.audit_verify(),
    ]
    for result in results:
        data = result.to_dict()
        assert json.loads(json.dumps(data)) == data, type(result).__name__
    ingested = results[1].to_dict()
    assert set(ingested) == {"ingest", "clues", "features"}
    assert ingested["ingest"]["matches"] == 0 and ingested["features"] is None  # off in tests
    report = results[2].to_dict()
    assert set(report["sections"]) == {"known", "places", "links"}
    assert set(report["sections"]["places"]) >= {"ranked", "note", "series", "disagreement"}
    assert workbench.lookup_file(folder / "a.jpg").seen_in_cases == ("op-kite",)


def test_a_case_is_addressed_by_its_name_and_a_wrong_one_is_not_found(
    workbench: Workbench,
) -> None:
    with pytest.raises(NotFound, match="no case named 'nope'"):
        workbench.report("nope")
    with pytest.raises(NotFound):
        workbench.groups("nope")
    with pytest.raises(NotFound):
        workbench.ingest("nope", [])


def test_an_investigators_clue_moves_the_place_of_its_media(
    workbench: Workbench, tmp_path: Path
) -> None:
    workbench.create_case("op-heard")
    workbench.ingest("op-heard", [seizure(tmp_path / "seizure")])
    query = workbench.lookup_file(tmp_path / "seizure" / "a.jpg").query
    assert isinstance(query, MediaFacts)
    sha = query.digest.sha256
    added = workbench.add_clue(sha, "country", "nl", note="a Dutch plug", author="tester")
    assert added.fused and added.value == "NL"
    placed = workbench.place("op-heard")
    assert placed.estimate.ranked[0].country == "NL"
    stored = workbench.media_clues(sha)
    assert [(c.clue.kind, c.clue.value, c.author) for c in stored.clues] == [
        ("country", "NL", "tester")
    ]
    assert stored.to_dict()["estimate"] == workbench.place("op-heard").to_dict()
