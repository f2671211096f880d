"""Series: create, add, merge, split; a series belongs to one case; every change audited."""

from __future__ import annotations

import pytest
from seriesbench import Bench

from vidi.errors import InvalidInput, NotFound
from vidi.store.models import AuditEvent


def actions(bench: Bench) -> list[tuple[str, str]]:
    with bench.workbench.db.session() as session:
        return [(e.action, e.subject) for e in session.query(AuditEvent).order_by(AuditEvent.seq)]


def test_a_series_is_created_filled_merged_and_split(bench: Bench) -> None:
    wb = bench.workbench
    first = wb.create_series("case-a", "bedroom set")
    second = wb.create_series("case-a", "garden set")
    assert wb.add_to_series("case-a", first.id, bench.set1[:2]).media == tuple(bench.set1[:2])
    again = wb.add_to_series("case-a", first.id, bench.set1)  # one or many; repeats ignored
    assert again.media == (bench.set1[2],)
    wb.add_to_series("case-a", second.id, [bench.set2[0], bench.set1[0]])

    merged = wb.merge_series("case-a", first.id, second.id)
    assert set(merged.media) == {bench.set2[0], bench.set1[0]}
    assert sorted(wb.series_media("case-a", first.id)) == sorted([*bench.set1, bench.set2[0]])
    assert [s.id for s in wb.series_list("case-a")] == [first.id]
    with pytest.raises(InvalidInput, match="merged into"):
        wb.add_to_series("case-a", second.id, bench.set2)

    split = wb.split_series("case-a", first.id, [bench.set2[0]], "garden again")
    assert split.other_series_id is not None
    assert wb.series_media("case-a", split.other_series_id) == [bench.set2[0]]
    assert sorted(wb.series_media("case-a", first.id)) == sorted(bench.set1)
    listed = {s.name: s.media for s in wb.series_list("case-a")}
    assert listed == {"bedroom set": 3, "garden again": 1}

    done = [a for a, _ in actions(bench) if a.startswith("series.")]
    assert done == ["series.create"] * 2 + ["series.add"] * 3 + ["series.merge", "series.split"]
    assert wb.audit_verify().ok


def test_a_series_holds_only_its_own_cases_media(bench: Bench) -> None:
    wb = bench.workbench
    series = wb.create_series("case-a", "set")
    with pytest.raises(NotFound, match="no such media item in this case"):
        wb.add_to_series("case-a", series.id, [bench.other[0]])
    with pytest.raises(NotFound, match="no such series in this case"):
        wb.series_page("case-b", series.id)
    with pytest.raises(InvalidInput):
        wb.create_series("case-a", "   ")


def test_a_split_must_leave_something_and_take_only_members(bench: Bench) -> None:
    wb = bench.workbench
    series = wb.create_series("case-a", "set")
    wb.add_to_series("case-a", series.id, bench.set1)
    with pytest.raises(InvalidInput, match="at least one"):
        wb.split_series("case-a", series.id, bench.set1, "all of it")
    with pytest.raises(InvalidInput, match="not in series"):
        wb.split_series("case-a", series.id, [bench.set2[0]], "stranger")


def test_place_series_estimates_the_series_and_refuses_another_cases(bench: Bench) -> None:
    wb = bench.workbench
    series = wb.create_series("case-a", "set")
    wb.add_to_series("case-a", series.id, bench.set1[:1])
    bench.plant_clue(bench.set1[0], "gps_country", "PL", extractor="exif")
    bench.plant_clue(bench.set2[0], "gps_country", "FR", extractor="exif")
    placed = wb.place("case-a", str(series.id))
    assert placed.estimate.ranked[0].country == "PL"
    assert all(s.country != "FR" for s in placed.estimate.ranked[:1])
    whole = wb.place("case-a")
    assert {s.country for s in whole.estimate.ranked[:2]} == {"PL", "FR"}
    with pytest.raises(NotFound, match="no such series in this case"):
        wb.place("case-b", str(series.id))


def test_the_series_page_shows_media_clue_summary_and_estimate(bench: Bench) -> None:
    wb = bench.workbench
    series = wb.create_series("case-a", "set")
    wb.add_to_series("case-a", series.id, bench.set1)
    for sha in bench.set1[:2]:
        bench.plant_clue(sha, "barcode", "5901234123457")
    page = wb.series_page("case-a", series.id)
    assert sorted(page.media) == bench.set1
    assert ("barcode", "5901234123457", 2) in [(c.kind, c.value, c.media) for c in page.clues]
    assert page.estimate.ranked and page.estimate.ranked[0].country == "PL"  # GS1 590: Poland
    assert page.to_dict()["estimate"]["ranked"][0]["reasons"]
