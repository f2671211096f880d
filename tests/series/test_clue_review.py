"""Clues: an investigator's clue with a region; confirm or reject an extracted clue (a
rejected clue stops counting and the estimate names who rejected it); text search."""

from __future__ import annotations

import pytest
from seriesbench import Bench

from vidi.errors import InvalidInput, NotFound
from vidi.places.clue import Region
from vidi.store.models import AuditEvent


def test_a_rejected_clue_stops_counting_and_the_estimate_names_the_rejecter(bench: Bench) -> None:
    wb = bench.workbench
    wrong = bench.plant_clue(bench.set1[0], "gps_country", "FR", extractor="exif")
    bench.plant_clue(bench.set1[1], "gps_country", "PL", extractor="exif")
    before = wb.place("case-a").estimate
    assert {s.country for s in before.ranked[:2]} == {"FR", "PL"}

    verdict = wb.review_clue("case-a", wrong, "rejected")
    assert verdict.verdict == "rejected"
    after = wb.place("case-a").estimate
    assert after.ranked[0].country == "PL"
    assert all(r.label.find(f"#{wrong} ") < 0 for s in after.ranked for r in s.reasons)
    [ignored] = [c for c in after.not_informative if f"#{wrong} " in c.label]
    assert ignored.why.startswith(f"rejected by {verdict.reviewer}")
    page = {c.id: c for c in wb.case_media_clues("case-a", bench.set1[0])}
    assert (page[wrong].verdict, page[wrong].reviewer) == ("rejected", verdict.reviewer)


def test_a_confirmed_clue_counts_and_both_verdicts_are_audited(bench: Bench) -> None:
    wb = bench.workbench
    clue = bench.plant_clue(bench.set1[0], "gps_country", "PL", extractor="exif")
    wb.review_clue("case-a", clue, "rejected")
    wb.review_clue("case-a", clue, "confirmed")
    assert wb.place("case-a").estimate.ranked[0].country == "PL"
    with wb.db.session() as session:
        done = [(e.action, e.subject) for e in session.query(AuditEvent).order_by(AuditEvent.seq)]
    assert done[-2:] == [("clue.reject", f"clue:{clue}"), ("clue.confirm", f"clue:{clue}")]
    with pytest.raises(NotFound):
        wb.review_clue("case-b", clue, "rejected")  # not a clue of case B's media
    with pytest.raises(InvalidInput):
        wb.review_clue("case-a", clue, "maybe")
    assert wb.audit_verify().ok


def test_an_investigator_adds_a_clue_with_a_region_inside_the_picture(bench: Bench) -> None:
    wb = bench.workbench
    added = wb.add_case_clue(
        "case-a",
        bench.set1[0],
        "language_heard",
        "Polish",
        region=Region(10, 20, 30, 40, drawn=True),
    )
    assert (added.kind, added.value, added.region) == (
        "language_heard",
        "pl",
        Region(10, 20, 30, 40, drawn=True),
    )
    assert added.to_dict()["region"] == {"x": 10, "y": 20, "w": 30, "h": 40}
    assert wb.add_case_clue("case-a", bench.set1[0], "logo", "a red fox").region is None
    with pytest.raises(InvalidInput, match="inside the picture"):
        wb.add_case_clue(
            "case-a", bench.set1[0], "logo", "x", region=Region(600, 0, 100, 5, drawn=True)
        )
    with pytest.raises(InvalidInput, match="unknown clue kind"):
        wb.add_case_clue("case-a", bench.set1[0], "feeling", "x")
    with pytest.raises(NotFound):
        wb.add_case_clue("case-b", bench.set1[0], "logo", "x")


def test_text_search_finds_ocr_and_barcode_text_of_the_case_only(bench: Bench) -> None:
    wb = bench.workbench
    bench.plant_clue(bench.set1[0], "text", "Bäckerei Müller Hauptstraße", extractor="text")
    bench.plant_clue(bench.set2[0], "barcode", "4006381333931")
    bench.plant_clue(bench.other[0], "text", "Bäckerei am Markt", extractor="text")
    assert [h.media_sha256 for h in wb.search_case_text("case-a", "bäckerei")] == [bench.set1[0]]
    assert [h.kind for h in wb.search_case_text("case-a", "40063813")] == ["barcode"]
    assert wb.search_case_text("case-a", "100%_") == []
