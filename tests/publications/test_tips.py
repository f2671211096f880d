"""Tips back from the portal: import once, verify the key, queue, status, clue, estimate."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pictures import OBJECT_BOX
from publication_fixtures import CASE, Seized

from vidi.bundles import BundleRefused
from vidi.errors import ConfigError, InvalidInput
from vidi.portal.server import export_tips
from vidi.portal.tipstore import TipStore
from vidi.publications.service import PublicationRefused
from vidi.publications.tips import abuse_reason

BOX = ",".join(str(n) for n in OBJECT_BOX)


def published(seized: Seized) -> str:
    wb = seized.workbench
    item = wb.propose_publication(
        CASE, seized.sha256, BOX, "toy", "Red toy car", "Where is it sold?", actor="anna"
    )
    return wb.approve_publication(str(item.id), actor="ben", no_person_visible=True).public_id


def portal_tips(data: Path, out: Path, tips: list[tuple[str, str, str]]) -> Path:
    """Tips (object id, what, where) received by a portal in DATA, exported to OUT."""
    store = TipStore(data / "tips.sqlite3")
    for object_id, what, where in tips:
        store.add(object_id, "en", what, where, "", consent=True)
    store.close()
    export_tips(data, out, everything=False)
    return out


def trust_portal(seized: Seized, data: Path) -> None:
    trusted = seized.workbench.settings.home / "trusted"
    trusted.mkdir(parents=True, exist_ok=True)
    shutil.copy(data / "tips-signing.pub", trusted / "portal-tips.pub")


def test_a_tip_bundle_imports_once_and_another_portals_key_is_refused(
    seized: Seized, tmp_path: Path
) -> None:
    wb = seized.workbench
    object_id = published(seized)
    data = tmp_path / "portal"
    bundle = portal_tips(
        data,
        tmp_path / "tips-1",
        [(object_id, "I saw this car", "Toy shop in Gdansk"), ("obj-gone", "?", "?")],
    )
    with pytest.raises(ConfigError, match="no trusted public key"):
        wb.import_tips(bundle, actor="anna")
    trust_portal(seized, data)

    first = wb.import_tips(bundle, actor="anna")
    assert (first.new, first.already_imported, first.unknown_object) == (2, 0, 1)
    again = wb.import_tips(bundle, actor="anna")
    assert (again.new, again.already_imported) == (0, 2)
    queue = wb.tips(CASE)
    assert [(t.what, t.where, t.status, t.case) for t in queue] == [
        ("I saw this car", "Toy shop in Gdansk", "new", CASE)
    ]
    assert len(wb.tips()) == 2  # the tip about an object not published here is kept

    other = portal_tips(tmp_path / "other-portal", tmp_path / "tips-2", [(object_id, "x", "y")])
    with pytest.raises(BundleRefused, match="signed by unknown key"):
        wb.import_tips(other, actor="anna")
    assert len(wb.tips()) == 2


def test_a_useful_tip_becomes_a_clue_and_the_place_estimate_names_it(
    seized: Seized, tmp_path: Path
) -> None:
    wb = seized.workbench
    object_id = published(seized)
    data = tmp_path / "portal"
    bundle = portal_tips(data, tmp_path / "tips", [(object_id, "Sold in Poland", "Krakow")])
    trust_portal(seized, data)
    wb.import_tips(bundle, actor="anna")
    [tip] = wb.tips(CASE)

    with pytest.raises(PublicationRefused, match="mark it useful first"):
        wb.tip_to_clue(str(tip.id), "country", "PL", actor="anna")
    useful = wb.set_tip_status(str(tip.id), "useful", actor="anna", note="checked the shop")
    assert (useful.status, useful.note) == ("useful", "checked the shop")

    clue = wb.tip_to_clue(str(tip.id), "country", "pl", actor="anna")
    assert (clue.kind, clue.value, clue.media, clue.feeds_estimate) == (
        "country",
        "PL",
        seized.sha256,
        True,
    )
    shop = wb.tip_to_clue(tip.tip_id, "shop", "Toy shop on the market square", actor="anna")
    assert not shop.feeds_estimate

    estimate = wb.place(CASE).estimate
    best = estimate.ranked[0]
    assert best.country == "PL"
    assert any(f"from tip #{tip.id}" in reason.label for reason in best.reasons)
    assert wb.tips(CASE)[0].clue_id == shop.clue_id


def test_a_tip_that_may_report_other_abuse_is_flagged_first(seized: Seized, tmp_path: Path) -> None:
    wb = seized.workbench
    object_id = published(seized)
    data = tmp_path / "portal"
    tips = [
        (object_id, "A shop sells this car", "Lodz"),
        (object_id, "The neighbours' children are abused, please help", "Lodz"),
    ]
    bundle = portal_tips(data, tmp_path / "tips", tips)
    trust_portal(seized, data)
    result = wb.import_tips(bundle, actor="anna")
    assert (result.new, result.flagged) == (2, 1)
    first, second = wb.tips(CASE)
    assert first.abuse_flag and first.abuse_reason == "abus" and not second.abuse_flag
    assert wb.tips(CASE, status="new") == [first, second]


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("Kindesmissbrauch", "missbrauch"),
        ("un autre enfant est maltraité", "autre enfant, maltrait"),
        ("la niña está en peligro", "en peligro"),
        ("I bought it at the pharmacy", None),
        ("Charming red car, sold in Harmony Toys", None),
    ],
)
def test_abuse_words_flag_in_the_portal_languages_and_ordinary_words_do_not(
    text: str, flag: str | None
) -> None:
    assert abuse_reason(text) == flag


def test_a_tip_status_must_be_one_of_the_four(seized: Seized, tmp_path: Path) -> None:
    wb = seized.workbench
    object_id = published(seized)
    data = tmp_path / "portal"
    bundle = portal_tips(data, tmp_path / "tips", [(object_id, "x", "y")])
    trust_portal(seized, data)
    wb.import_tips(bundle, actor="anna")
    [tip] = wb.tips()
    with pytest.raises(InvalidInput, match="new, useful, not-useful or forwarded"):
        wb.set_tip_status(str(tip.id), "maybe", actor="anna")
    assert wb.set_tip_status(str(tip.id), "not useful", actor="anna").status == "not-useful"
