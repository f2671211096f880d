"""Grading: categories per case (VICS US by default), history kept, group and page
grading, progress per case and per user; each grade is an audit event."""

from __future__ import annotations

import pytest
from seriesbench import Bench

from vidi.errors import InvalidInput
from vidi.store.models import AuditEvent, Grade


def test_the_default_scale_is_vics_us_and_a_digit_grades_with_its_word(bench: Bench) -> None:
    wb = bench.workbench
    scale = wb.grade_scale("case-a")
    assert scale.categories[:2] == ("non-pertinent", "csam") and scale.categories[4] == "comparison"
    graded = wb.grade("case-a", [bench.set1[0]], "4")
    assert graded.category == "comparison"
    with pytest.raises(InvalidInput, match="unknown category"):
        wb.grade("case-a", [bench.set1[0]], "holiday")


def test_a_case_chooses_its_own_categories(bench: Bench) -> None:
    wb = bench.workbench
    chosen = wb.set_grade_scale("case-a", ["non-pertinent", "ignorable", "comparison"])
    assert chosen.categories == ("non-pertinent", "ignorable", "comparison")
    assert wb.grade("case-a", [bench.set1[0]], "1").category == "ignorable"
    assert wb.grade_scale("case-b").categories[1] == "csam"  # the other case keeps VICS
    with pytest.raises(InvalidInput, match="must hold"):
        wb.set_grade_scale("case-a", ["comparison"])


def test_a_regrade_keeps_the_history_and_progress_counts_current_grades(bench: Bench) -> None:
    wb = bench.workbench
    wb.grade("case-a", bench.set1[:2], "csam")
    wb.grade("case-a", bench.set1[:1], "non-pertinent")
    progress = wb.grading_progress("case-a")
    assert (progress.media, progress.reviewed, progress.unreviewed) == (5, 2, 3)
    assert progress.by_category == {"csam": 1, "non-pertinent": 1}
    with wb.db.session() as session:
        history = session.query(Grade).filter(Grade.media_sha256 == bench.set1[0]).all()
        assert sorted((g.category, g.current) for g in history) == [
            ("csam", False),
            ("non-pertinent", True),
        ]
        graded = [e for e in session.query(AuditEvent) if e.action == "grade"]
    assert len(graded) == 3 and all(e.subject.startswith("media:") for e in graded)
    assert wb.audit_verify().ok


def test_grading_a_group_grades_its_near_duplicates_in_the_case_only(bench: Bench) -> None:
    wb = bench.workbench
    bench.plant_group("g-1", [bench.set1[0], bench.set2[0], bench.other[0]])
    assert wb.media_group("case-a", bench.set1[0]) == [bench.set1[0], bench.set2[0]]
    graded = wb.grade_group("case-a", bench.set1[0], "exploitive")
    assert set(graded.media) == {bench.set1[0], bench.set2[0]}
    assert wb.grading_progress("case-b").reviewed == 0


def test_a_page_is_graded_not_pertinent_at_once(bench: Bench) -> None:
    wb = bench.workbench
    page = bench.set1 + bench.set2
    assert wb.grade_not_pertinent("case-a", page).category == "non-pertinent"
    assert wb.grading_progress("case-a").unreviewed == 0
    with pytest.raises(Exception, match="no such media item in this case"):
        wb.grade_not_pertinent("case-a", [*page, bench.other[0]])
