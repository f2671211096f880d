"""Vidi proposes series members (near-duplicates, folder, shared clue values, scene);
the investigator accepts or rejects each, and a rejected one is not proposed again."""

from __future__ import annotations

import pytest
from seriesbench import Bench

from vidi.errors import InvalidInput
from vidi.store.models import AuditEvent, Match


def reasons(bench: Bench, series: int) -> dict[str, set[str]]:
    found = bench.workbench.series_proposals("case-a", series)
    return {p.media_sha256: {r.kind for r in p.reasons} for p in found}


def test_the_same_folder_proposes_the_rest_of_the_folder_only(bench: Bench) -> None:
    wb = bench.workbench
    series = wb.create_series("case-a", "set")
    wb.add_to_series("case-a", series.id, bench.set1[:1])
    proposed = reasons(bench, series.id)
    assert proposed == {sha: {"same_folder"} for sha in bench.set1[1:]}


def test_near_duplicates_and_a_shared_barcode_are_proposed_within_the_case(bench: Bench) -> None:
    wb = bench.workbench
    series = wb.create_series("case-a", "set")
    wb.add_to_series("case-a", series.id, bench.set1[:1])
    bench.plant_group("g-1", [bench.set1[0], bench.set2[0], bench.other[0]])
    bench.plant_clue(bench.set1[0], "barcode", "4006381333931")
    bench.plant_clue(bench.set2[1], "barcode", "4006381333931")
    bench.plant_clue(bench.other[1], "barcode", "4006381333931")  # another case: never
    proposed = reasons(bench, series.id)
    assert proposed[bench.set2[0]] == {"near_duplicate"}
    assert proposed[bench.set2[1]] == {"shared_clue"}
    assert not set(bench.other) & set(proposed)


def test_a_same_scene_link_is_proposed(bench: Bench) -> None:
    wb = bench.workbench
    series = wb.create_series("case-a", "set")
    wb.add_to_series("case-a", series.id, bench.set1[:1])
    with wb.db.session() as session:
        session.add(Match(media_sha256=bench.set2[1], kind="scene", other_sha256=bench.set1[0]))
    assert reasons(bench, series.id)[bench.set2[1]] == {"same_scene"}


def test_accepting_adds_the_media_and_rejecting_keeps_it_out_for_good(bench: Bench) -> None:
    wb = bench.workbench
    series = wb.create_series("case-a", "set")
    wb.add_to_series("case-a", series.id, bench.set1[:1])
    first, second = wb.series_proposals("case-a", series.id)
    accepted = wb.decide_proposal("case-a", series.id, first.id, True)
    rejected = wb.decide_proposal("case-a", series.id, second.id, False)
    assert (accepted.state, rejected.state) == ("accepted", "rejected")
    assert first.media_sha256 in wb.series_media("case-a", series.id)
    assert second.media_sha256 not in wb.series_media("case-a", series.id)
    assert wb.series_proposals("case-a", series.id) == []  # neither comes back
    with pytest.raises(InvalidInput, match="already rejected"):
        wb.decide_proposal("case-a", series.id, second.id, True)
    with wb.db.session() as session:
        done = [e.action for e in session.query(AuditEvent).order_by(AuditEvent.seq)]
    assert "series.proposal.accepted" in done and "series.proposal.rejected" in done
    assert wb.audit_verify().ok


def test_open_proposals_are_bounded_and_come_a_page_at_a_time(
    bench: Bench, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four candidates (two beside the member, two near-duplicates) and room for two open
    proposals: two are proposed, the others only as earlier ones are answered."""
    from vidi.series import proposals

    monkeypatch.setattr(proposals, "MAX_OPEN", 2)
    wb = bench.workbench
    series = wb.create_series("case-a", "set")
    wb.add_to_series("case-a", series.id, bench.set1[:1])
    bench.plant_group("g-1", [bench.set1[0], *bench.set2])
    first = wb.series_proposals("case-a", series.id)
    assert len(first) == 2
    assert wb.series_proposals("case-a", series.id, limit=1) == first[:1]
    assert wb.series_proposals("case-a", series.id, after=first[0].id) == first[1:]
    assert wb.series_proposals("case-a", series.id, after=first[1].id) == []
    seen = [p.media_sha256 for p in first]
    wb.decide_proposal("case-a", series.id, first[0].id, False)
    second = wb.series_proposals("case-a", series.id)
    assert len(second) == 2 and second[0] == first[1]
    seen.append(second[1].media_sha256)
    wb.decide_proposal("case-a", series.id, second[0].id, True)
    wb.decide_proposal("case-a", series.id, second[1].id, False)
    last = wb.series_proposals("case-a", series.id)
    seen.extend(p.media_sha256 for p in last)
    assert sorted(seen) == sorted([*bench.set1[1:], *bench.set2])  # each once, none lost
    assert wb.series_page("case-a", series.id).proposals == len(last) == 1
