"""Fusion of clue evidence into ranked countries, on hand-made evidence with known answers."""

from __future__ import annotations

import math
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from vidi.places import (
    DUPLICATE_DECAY,
    ClueEvidence,
    Estimate,
    combine,
    estimate_countries,
)
from vidi.places.clue import Clue
from vidi.places.kinds import DEFAULT_WEIGHTS, FLOOR


def clue(
    kind: str, value: str = "", confidence: float = 1.0, at: datetime | None = None
) -> ClueEvidence:
    return ClueEvidence(Clue(kind, value, confidence), f"clue ({kind} {value})", at)


def ranks(estimate: Estimate) -> list[str]:
    return [cs.country for cs in estimate.ranked]


def score_of(estimate: Estimate, country: str) -> float:
    return next(cs.score for cs in estimate.ranked if cs.country == country)


def test_polish_text_and_50hz_place_poland_first() -> None:
    estimate = estimate_countries([clue("language", "pl"), clue("enf_50hz")])
    assert estimate.informative and estimate.clues_used == 2
    assert ranks(estimate)[0] == "PL"
    assert estimate.ranked[0].probability > 0.5
    assert "Poland" in estimate.note


def test_japanese_text_and_60hz_place_japan_first() -> None:
    estimate = estimate_countries([clue("language", "ja"), clue("enf_60hz")])
    assert ranks(estimate)[0] == "JP"
    assert estimate.ranked[0].probability > 0.9


def test_50hz_alone_separates_no_50hz_country_from_another() -> None:
    estimate = estimate_countries([clue("enf_50hz")])
    by_country = {cs.country: cs for cs in estimate.ranked}
    assert by_country["PL"].probability == by_country["DE"].probability
    assert by_country["PL"].probability > 5 * by_country["US"].probability
    assert "equally likely" in estimate.note


def test_a_polish_barcode_is_evidence_for_poland() -> None:
    estimate = estimate_countries([clue("barcode", "5901234123457")])
    top = estimate.ranked[0]
    assert top.country == "PL"
    assert top.reasons[0].kind == "barcode" and top.reasons[0].delta > 0
    assert score_of(estimate, "DE") < 0


def test_a_gs1_country_clue_and_its_barcode_count_as_repeats() -> None:
    barcode = estimate_countries([clue("barcode", "5901234123457")])
    both = estimate_countries([clue("barcode", "5901234123457"), clue("gs1_country", "PL")])
    assert len(both.ranked[0].reasons) == 1 and both.ranked[0].reasons[0].count == 2
    expected = (1 + DUPLICATE_DECAY) * score_of(barcode, "PL")
    assert math.isclose(score_of(both, "PL"), expected)


def test_an_isbn_gives_no_country_and_no_guess() -> None:
    estimate = estimate_countries([clue("barcode", "9780306406157")])
    assert not estimate.informative
    assert estimate.ranked == [] and estimate.clues_used == 0
    assert "ISBN" in estimate.not_informative[0].why
    assert "does not guess" in estimate.note


def test_plus_0530_in_2024_points_to_india_and_sri_lanka() -> None:
    estimate = estimate_countries([clue("tz_offset", "+05:30", at=datetime(2024, 5, 1, 10))])
    assert set(ranks(estimate)[:2]) == {"IN", "LK"}
    first, second, third = estimate.ranked[:3]
    assert math.isclose(first.probability, second.probability)
    assert first.probability > 0.4 and third.probability < 0.01


def test_a_tz_offset_without_date_still_counts() -> None:
    estimate = estimate_countries([clue("tz_offset", "+09:00")])
    assert {"JP", "KR"} <= set(ranks(estimate)[:10])


def test_one_misleading_clue_does_not_flip_three_agreeing_ones() -> None:
    agreeing = [clue("language", "pl"), clue("enf_50hz"), clue("gs1_country", "PL")]
    for misleading in [clue("language", "ja"), clue("gs1_country", "JP"), clue("country", "JP")]:
        estimate = estimate_countries([*agreeing, misleading])
        assert ranks(estimate)[0] == "PL", misleading


def test_a_single_weak_clue_never_rules_a_country_out() -> None:
    estimate = estimate_countries([clue("language", "pl")])
    assert all(cs.probability > 0 for cs in estimate.ranked)
    japan = next(cs for cs in estimate.ranked if cs.country == "JP")
    # The floor bounds the likelihood ratio at ε; the kind's weight scales the log of it.
    assert japan.score > DEFAULT_WEIGHTS["language"] * math.log(FLOOR) - 1e-9
    assert japan.probability > 1e-5


def test_gps_outweighs_one_language_clue() -> None:
    estimate = estimate_countries([clue("gps_country", "jp"), clue("language", "pl")])
    assert ranks(estimate)[0] == "JP"


def test_no_informative_clue_means_no_estimate() -> None:
    evidence = [
        clue("camera_make", "Canon"),
        clue("barcode", "1234"),
        clue("language", "zz"),
        clue("tz_offset", "noon"),
        clue("country", "Atlantis"),
    ]
    estimate = estimate_countries(evidence)
    assert not estimate.informative and estimate.ranked == []
    assert len(estimate.not_informative) == len(evidence)
    assert estimate_countries([]).informative is False


def test_each_countrys_reasons_sum_to_its_score() -> None:
    evidence = [
        clue("language", "pl", 0.8),
        clue("language", "pl", 0.6),
        clue("enf_50hz"),
        clue("barcode", "4006381333931"),
        clue("tz_offset", "+02:00", at=datetime(2024, 7, 1)),
        clue("camera_make", "Nikon"),
    ]
    estimate = estimate_countries(evidence)
    assert estimate.clues_used == 5 and len(estimate.not_informative) == 1
    for cs in estimate.ranked:
        assert math.isclose(cs.score, math.fsum(r.delta for r in cs.reasons), abs_tol=1e-9)


def test_confidence_scales_a_clues_weight() -> None:
    full = estimate_countries([clue("language", "pl", 1.0)])
    half = estimate_countries([clue("language", "pl", 0.5)])
    assert math.isclose(score_of(half, "PL"), score_of(full, "PL") / 2)
    assert half.ranked[0].probability < full.ranked[0].probability


def test_weights_can_switch_a_kind_off() -> None:
    estimate = estimate_countries([clue("language", "pl"), clue("enf_60hz")], {"language": 0.0})
    assert estimate.clues_used == 1
    assert ranks(estimate)[0] != "PL"


def test_many_copies_of_one_clue_count_at_most_twice() -> None:
    one = estimate_countries([clue("language", "pl")])
    many = estimate_countries(combine(*[[clue("language", "pl")] for _ in range(500)]))
    gap_one = score_of(one, "PL") - score_of(one, "DE")
    gap_many = score_of(many, "PL") - score_of(many, "DE")
    assert gap_one < gap_many <= gap_one / (1 - DUPLICATE_DECAY) + 1e-9
    assert many.clues_used == 500 and many.ranked[0].reasons[0].count == 500


def test_combine_joins_media_into_a_series() -> None:
    media_a = [clue("language", "ja")]
    media_b = [clue("enf_60hz"), clue("camera_make", "Sony")]
    assert combine(media_a, media_b) == [*media_a, *media_b]


KINDS = ["language", "language_heard", "barcode", "gs1_country", "enf_50hz", "enf_60hz"]
KINDS += ["tz_offset", "gps_country", "country", "near_duplicate_country", "camera_make"]
VALUES = ["pl", "ja", "en", "de", "US", "JP", "xx", "+05:30", "+02:00", "-07:00"]
VALUES += ["5901234123457", "4006381333931", "9780306406157", "036000291452", ""]

evidence_strategy = st.lists(
    st.builds(
        ClueEvidence,
        clue=st.builds(
            Clue,
            kind=st.sampled_from(KINDS),
            value=st.sampled_from(VALUES),
            confidence=st.floats(0.0, 1.0),
        ),
        label=st.just("generated"),
        at=st.one_of(st.none(), st.datetimes(datetime(2000, 1, 1), datetime(2030, 1, 1))),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(evidence_strategy)
def test_probabilities_sum_to_one_and_are_all_positive(evidence: list[ClueEvidence]) -> None:
    estimate = estimate_countries(evidence)
    if not estimate.informative:
        assert estimate.ranked == []
        return
    probabilities = [cs.probability for cs in estimate.ranked]
    assert math.isclose(math.fsum(probabilities), 1.0, rel_tol=1e-9)
    assert all(p > 0 for p in probabilities)
    assert probabilities == sorted(probabilities, reverse=True)


def test_a_prior_shifts_the_ranking_and_shows_as_a_reason() -> None:
    german = [clue("language", "de")]
    flat = estimate_countries(german)
    weighted = estimate_countries(german, prior={"DE": 83.0, "AT": 9.0, "CH": 8.7, "LI": 0.04})
    assert ranks(weighted)[0] == "DE" and ranks(flat)[0] != "DE"
    top = weighted.ranked[0]
    assert any(r.kind == "prior" for r in top.reasons)
    assert math.isclose(top.score, math.fsum(r.delta for r in top.reasons), abs_tol=1e-9)
