"""The feature stage, region query, same-scene links and galleries, on a generated case."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import delete, select

from vidi.cases import create_case
from vidi.config import Settings
from vidi.demo.objects import crop_area, jpeg, paste, room, rotate, textured_object
from vidi.errors import VidiError
from vidi.estimates import estimate_media
from vidi.fingerprints.local_features import decode
from vidi.index.descriptors import DescriptorIndex
from vidi.index.objects import ObjectIndex
from vidi.index.vocabulary import TREE_FROM, Vocabulary
from vidi.ingest.pipeline import ingest
from vidi.ingest.records import MIRROR_FEATURES
from vidi.matching.groups import assign_groups, near_components
from vidi.objects import features as features_module
from vidi.objects import search as search_module
from vidi.objects import stage as stage_module
from vidi.objects.features import (
    descriptor_directory,
    descriptors_in_step,
    index_in_step,
    open_descriptor_index,
    open_object_index,
    sync_index,
)
from vidi.objects.gallery import import_gallery, list_galleries
from vidi.objects.gallery_check import GalleryCheck, check_galleries
from vidi.objects.search import find_object
from vidi.objects.stage import run_feature_stage
from vidi.store.db import Database
from vidi.store.models import Clue, ExtractionDone, LocalFeatureSet, Match, Media


def _write(folder: Path, name: str, picture: np.ndarray) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(jpeg(picture, 92))
    return path


def _sha(db: Database, folder: Path, name: str) -> str:
    import hashlib

    return hashlib.sha256((folder / name).read_bytes()).hexdigest()


@pytest.fixture
def seizure(tmp_path: Path) -> Path:
    """Rooms 1-4 with objects; a crop, a turned and a mirrored copy of room 1; room 2
    again from another angle with another object."""
    rng = np.random.default_rng(5)
    folder = tmp_path / "seizure"
    first, _ = paste(room(1), textured_object(101), rng, scale=0.7)
    _write(folder, "room1.jpg", first)
    for n in (3, 4, 5, 6):
        _write(folder, f"room{n}.jpg", paste(room(n), textured_object(100 + n), rng, 0.6)[0])
    _write(folder, "room1-crop.jpg", crop_area(first, 0.3, rng))
    _write(folder, "room1-turned.jpg", rotate(first, 20))
    _write(folder, "room1-mirror.jpg", np.ascontiguousarray(first[:, ::-1]))
    return folder


def _ingest(db: Database, settings: Settings, folder: Path, case: str = "op-room") -> None:
    with db.session() as session:
        create_case(session, case)
    ingest(db, settings, case, [folder])


def _case_id(db: Database, name: str = "op-room") -> int:
    from vidi.cases import get_case

    with db.session() as session:
        return get_case(session, name).id


def test_a_region_query_that_finds_nothing_looks_deeper(db, settings, seizure, monkeypatch) -> None:
    """The next FIND_DEEPER candidates of each side are verified only when the first
    FIND_CANDIDATES gave no hit (an empty answer costs twice the time, no other)."""
    _ingest(db, settings, seizure)
    run_feature_stage(db, settings, _case_id(db))
    rounds = _verified_rounds(monkeypatch)
    monkeypatch.setattr(search_module, "FIND_CANDIDATES", 2)  # the 8 pictures are ranked
    copied = find_object(db, settings, "op-room", _sha(db, seizure, "room1.jpg"))
    assert copied.hits and rounds == [(0, 2, True)]
    rounds.clear()
    alone = find_object(db, settings, "op-room", _sha(db, seizure, "room4.jpg"))
    assert not alone.hits
    assert rounds == [(0, 2, False), (2, 2 + search_module.FIND_DEEPER, False)]


def _verified_rounds(monkeypatch) -> list[tuple[int, int, bool]]:  # type: ignore[no-untyped-def]
    """Each verification of ranked candidates a region query makes: (first rank, last
    rank + 1, whether it gave a hit)."""
    rounds: list[tuple[int, int, bool]] = []
    real = search_module._verified_ranks

    def counted(session, queries, ranked, start, stop):  # type: ignore[no-untyped-def]
        hits = real(session, queries, ranked, start, stop)
        rounds.append((start, stop, bool(hits)))
        return hits

    monkeypatch.setattr(search_module, "_verified_ranks", counted)
    return rounds


def test_a_region_query_verifies_further_candidates_while_they_give_hits(
    db, settings, seizure, monkeypatch
) -> None:
    """The first FIND_FIRST candidates a side are verified, then FIND_BATCH more while
    the last batch gave a hit: a picture with three copies is checked a candidate at a
    time until one gives nothing, not down to FIND_CANDIDATES."""
    _ingest(db, settings, seizure)
    run_feature_stage(db, settings, _case_id(db))
    rounds = _verified_rounds(monkeypatch)
    monkeypatch.setattr(search_module, "FIND_CANDIDATES", 6)
    monkeypatch.setattr(search_module, "FIND_FIRST", 1)
    monkeypatch.setattr(search_module, "FIND_BATCH", 1)
    monkeypatch.setattr(search_module, "FIND_VOTED", 0)  # the words alone
    found = find_object(db, settings, "op-room", _sha(db, seizure, "room1.jpg"))
    copies = {_sha(db, seizure, f"room1-{k}.jpg") for k in ("crop", "turned", "mirror")}
    assert {h.media_sha256 for h in found.hits} == copies
    assert [(start, stop) for start, stop, _ in rounds] == [(n, n + 1) for n in range(len(rounds))]
    assert all(hit for _, _, hit in rounds[:-1]) and not rounds[-1][2]
    assert 2 <= len(rounds) < 6  # stopped at the first batch without a hit


@pytest.mark.parametrize("threads", [1, 3])
def test_copies_of_a_room_are_linked_as_one_scene(store, seizure, monkeypatch, threads) -> None:
    """On one thread and on several (the stage verifies a picture's candidates in parallel).
    The links do not join the near-duplicate group (a group is graded as one picture's
    copies): only PDQ's near matches do."""
    db, settings = store
    monkeypatch.setattr(stage_module, "THREADS", threads)
    _ingest(db, settings, seizure)
    summary = run_feature_stage(db, settings, _case_id(db))
    assert summary.pictures == 8 and summary.failed == 0
    room1 = _sha(db, seizure, "room1.jpg")
    with db.session() as session:
        linked = set(
            session.scalars(
                select(Match.other_sha256).where(Match.media_sha256 == room1, Match.kind == "scene")
            )
        )
        assign_groups(session, [room1, *linked])  # as the match step does
        near = set(near_components(session, [room1]).parent)
        group = session.get(Media, room1).group_id
        members = set(session.scalars(select(Media.sha256).where(Media.group_id == group)))
    copies = {_sha(db, seizure, f"room1-{k}.jpg") for k in ("crop", "turned", "mirror")}
    assert linked == copies
    assert group == min(near) and members == near
    assert copies - members  # PDQ misses some of them: the scene links alone do not join


@pytest.mark.parametrize("ranked", [False, True], ids=["scope-verified-whole", "ranked"])
def test_a_box_around_an_object_finds_it_in_another_room(
    db, settings, tmp_path, monkeypatch, ranked
) -> None:
    """A small scope is verified whole; a larger one (here: a limit of 3) is ranked by
    the index first and its best candidates verified."""
    if ranked:
        monkeypatch.setattr(search_module, "FIND_CANDIDATES", 3)
    rng = np.random.default_rng(9)
    folder = tmp_path / "case"
    toy = textured_object(77)
    first, box = paste(room(11), toy, rng, scale=0.8)
    _write(folder, "a.jpg", first)
    second, where = paste(room(12), toy, rng, scale=0.6, angle=15, tilt=0.2)
    _write(folder, "b.jpg", second)
    for n in range(13, 17):
        _write(folder, f"other{n}.jpg", paste(room(n), textured_object(n), rng, 0.6)[0])
    _ingest(db, settings, folder)
    run_feature_stage(db, settings, _case_id(db))
    result = find_object(db, settings, "op-room", _sha(db, folder, "a.jpg"), box, "case")
    assert [h.media_sha256 for h in result.hits] == [_sha(db, folder, "b.jpg")]
    x, y, w, h = result.hits[0].region
    centre = (x + w / 2, y + h / 2)
    assert abs(centre[0] - (where[0] + where[2] / 2)) < where[2] / 3
    assert abs(centre[1] - (where[1] + where[3] / 2)) < where[3] / 3


@pytest.mark.parametrize("ranked", [False, True], ids=["scope-verified-whole", "ranked"])
def test_a_case_scope_finds_only_the_cases_pictures_and_all_finds_every_case(
    store, tmp_path, monkeypatch, ranked
) -> None:
    """The scope is who may see what: the same toy in another case's picture is found
    with ``all`` and never with ``case``; a scope that is none of the three is refused
    before anything is read."""
    db, settings = store
    if ranked:
        monkeypatch.setattr(search_module, "FIND_CANDIDATES", 2)
    rng = np.random.default_rng(9)
    toy = textured_object(77)
    first, box = paste(room(11), toy, rng, scale=0.8)
    _write(tmp_path / "mine", "a.jpg", first)
    second, _ = paste(room(12), toy, rng, scale=0.6, angle=15, tilt=0.2)
    _write(tmp_path / "theirs", "b.jpg", second)
    for n in range(13, 17):
        where = tmp_path / ("mine" if n % 2 else "theirs")
        _write(where, f"other{n}.jpg", paste(room(n), textured_object(n), rng, 0.6)[0])
    _ingest(db, settings, tmp_path / "mine", "mine")
    _ingest(db, settings, tmp_path / "theirs", "theirs")
    for case in ("mine", "theirs"):
        run_feature_stage(db, settings, _case_id(db, case))
    mine = _sha(db, tmp_path / "mine", "a.jpg")
    theirs = _sha(db, tmp_path / "theirs", "b.jpg")
    assert not find_object(db, settings, "mine", mine, box, "case").hits
    everywhere = find_object(db, settings, "mine", mine, box, "all")
    assert [h.media_sha256 for h in everywhere.hits] == [theirs]
    with pytest.raises(VidiError, match="--scope is case, all or gallery:NAME"):
        find_object(db, settings, "mine", mine, box, "everything")
    with pytest.raises(VidiError, match="no gallery named 'shops'"):
        find_object(db, settings, "mine", mine, box, "gallery:shops")


def _a_toy_in_two_rooms_found_by_votes_alone(
    db, settings, tmp_path, monkeypatch
) -> tuple[str, tuple[int, int, int, int], str]:
    """A case of six pictures, a toy in two of them, whose object index is made to
    propose nothing (only the descriptor index's votes can find the toy); returns the
    first picture, the box around its toy and the second picture."""
    monkeypatch.setattr(search_module, "FIND_CANDIDATES", 3)  # the case is ranked
    monkeypatch.setattr(
        search_module, "_word_candidates", lambda index, queries, *a: [[] for _ in queries]
    )
    rng = np.random.default_rng(9)
    folder = tmp_path / "case"
    toy = textured_object(77)
    first, box = paste(room(11), toy, rng, scale=0.8)
    _write(folder, "a.jpg", first)
    second, _ = paste(room(12), toy, rng, scale=0.6, angle=15, tilt=0.2)
    _write(folder, "b.jpg", second)
    for n in range(13, 17):
        _write(folder, f"other{n}.jpg", paste(room(n), textured_object(n), rng, 0.6)[0])
    _ingest(db, settings, folder)
    run_feature_stage(db, settings, _case_id(db))
    return _sha(db, folder, "a.jpg"), box, _sha(db, folder, "b.jpg")


def test_the_votes_find_an_object_the_words_rank_too_low(store, tmp_path, monkeypatch) -> None:
    """The object index is made to propose nothing: the box is still found through the
    descriptor index the stage filled, and again after that index is lost (the query
    adds every stored picture back); with the votes off, nothing is found."""
    db, settings = store
    asked, box, found = _a_toy_in_two_rooms_found_by_votes_alone(
        db, settings, tmp_path, monkeypatch
    )
    with db.session() as session:
        pictures = set(session.scalars(select(LocalFeatureSet.id)))
    with open_descriptor_index(settings) as points:
        assert points.ids == pictures  # filled by the stage, not by the query
    wanted = [found]
    assert [h.media_sha256 for h in find_object(db, settings, "op-room", asked, box).hits] == wanted
    shutil.rmtree(descriptor_directory(settings))
    assert [h.media_sha256 for h in find_object(db, settings, "op-room", asked, box).hits] == wanted
    monkeypatch.setattr(search_module, "FIND_VOTED", 0)
    assert not find_object(db, settings, "op-room", asked, box).hits


def test_a_boxs_own_points_check_voted_candidates_under_the_whole_querys_floor(
    db, settings, tmp_path, monkeypatch
) -> None:
    """The whole query (dear) verifies only candidates with FIND_WHOLE_MIN_VOTES votes; a
    drawn box's own points (cheap) verify every voted one down to FIND_MIN_VOTES. With
    the whole query's floor out of reach the box still finds its object by its own
    points; with the box's floor out of reach too, nothing is found."""
    asked, box, found = _a_toy_in_two_rooms_found_by_votes_alone(
        db, settings, tmp_path, monkeypatch
    )
    wanted = [found]
    monkeypatch.setattr(search_module, "FIND_WHOLE_MIN_VOTES", 1_000_000)
    assert [h.media_sha256 for h in find_object(db, settings, "op-room", asked, box).hits] == wanted
    assert not find_object(db, settings, "op-room", asked).hits  # no box: no cheap check
    monkeypatch.setattr(search_module, "FIND_MIN_VOTES", 1_000_000)
    assert not find_object(db, settings, "op-room", asked, box).hits


def test_a_descriptor_index_held_elsewhere_costs_only_the_votes(
    db, settings, seizure, monkeypatch, caplog
) -> None:
    """While another process holds the descriptor index, the stage finishes and the
    region query answers from the words alone, each saying so in one line; the next
    query adds the stage's pictures."""
    _ingest(db, settings, seizure)
    monkeypatch.setattr(search_module, "FIND_CANDIDATES", 2)  # the 8 pictures are ranked
    room1 = _sha(db, seizure, "room1.jpg")
    with DescriptorIndex.open(descriptor_directory(settings)):
        summary = run_feature_stage(db, settings, _case_id(db))
        assert summary.pictures == 8 and summary.failed == 0
        assert find_object(db, settings, "op-room", room1).hits  # the copies, by words
    held = [r.getMessage() for r in caplog.records if "descriptor index is open" in r.getMessage()]
    assert len(held) == 2
    find_object(db, settings, "op-room", room1)
    with open_descriptor_index(settings) as points:
        assert len(points.ids) == 8


def test_ingest_stores_the_features_and_the_stage_links_without_decoding_again(
    db, settings, seizure, monkeypatch
) -> None:
    _ingest(db, settings, seizure)
    with db.session() as session:
        stored = session.scalars(select(LocalFeatureSet)).all()
        sizes = {m.sha256: (m.width, m.height) for m in session.scalars(select(Media))}
    assert len(stored) == 8
    for row in stored:  # points in the original's pixels, not the reduced decode's
        features = decode(row.data)
        assert (features.width, features.height) == sizes[row.media_sha256]
    mirrors = list((settings.blob_dir / MIRROR_FEATURES).rglob("*.vlf"))
    assert len(mirrors) == 8

    def no_decode(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the stage decoded a picture ingest had already described")

    monkeypatch.setattr(stage_module, "decode_image", no_decode)
    summary = run_feature_stage(db, settings, _case_id(db))
    assert summary.pictures == 8 and summary.failed == 0
    room1 = _sha(db, seizure, "room1.jpg")
    with db.session() as session:
        linked = set(
            session.scalars(
                select(Match.other_sha256).where(Match.media_sha256 == room1, Match.kind == "scene")
            )
        )
    assert linked == {_sha(db, seizure, f"room1-{k}.jpg") for k in ("crop", "turned", "mirror")}
    assert not list((settings.blob_dir / MIRROR_FEATURES).rglob("*.vlf"))


def test_the_stage_assigns_a_new_pictures_words_once(db, settings, seizure, monkeypatch) -> None:
    """Pending pictures join the index when they are linked, not before: their stored
    features are quantised once (to index them and to ask with), never twice."""
    _ingest(db, settings, seizure)
    calls: list[bytes] = []
    real = Vocabulary.words

    def counted(self, descriptors, nearest=1):  # type: ignore[no-untyped-def]
        calls.append(np.ascontiguousarray(descriptors).tobytes())
        return real(self, descriptors, nearest)

    monkeypatch.setattr(Vocabulary, "words", counted)
    summary = run_feature_stage(db, settings, _case_id(db))
    assert summary.pictures == 8 and summary.scene_links >= 3
    with db.session() as session:
        stored = [
            decode(row.data).descriptors.tobytes()
            for row in session.scalars(select(LocalFeatureSet))
        ]
    assert len(stored) == 8
    assert [calls.count(d) for d in stored] == [1] * 8


def test_ingest_with_features_off_extracts_none(db, settings, seizure) -> None:
    _ingest(db, settings.with_changes(features=False), seizure)
    with db.session() as session:
        assert session.scalars(select(LocalFeatureSet)).all() == []
    assert not (settings.blob_dir / MIRROR_FEATURES).exists()


def test_features_of_an_older_version_are_replaced_in_the_index_too(db, settings, seizure) -> None:
    """A picture whose stored features are of an older extractor version is described
    again; the index then holds its new words, not the old ones under the same id."""
    from vidi.fingerprints.local_features import encode, extract_features

    _ingest(db, settings, seizure)
    older = _sha(db, seizure, "room3.jpg")
    with db.session() as session:
        row = session.scalars(
            select(LocalFeatureSet).where(LocalFeatureSet.media_sha256 == older)
        ).one()
        row.extractor, row.data = "orb-0", encode(extract_features(room(77)))
    run_feature_stage(db, settings, _case_id(db))
    with db.session() as session:
        rows = {
            r.id: (r.extractor, decode(r.data)) for r in session.scalars(select(LocalFeatureSet))
        }
    assert {extractor for extractor, _ in rows.values()} == {"orb-1"}
    with open_object_index(settings) as index:
        assert index.ids == set(rows)
        for id_, (_, features) in rows.items():
            best = index.search(index.vocabulary.words(features.descriptors), 1)[0]
            assert best.id == id_ and best.score > 0.999


def test_the_stage_resumes_after_a_crash(db, settings, seizure, monkeypatch) -> None:
    _ingest(db, settings.with_changes(features=False), seizure)  # the stage decodes
    calls = {"n": 0}
    real = stage_module.link_picture

    def crash_on_fourth(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(stage_module, "link_picture", crash_on_fourth)
    with pytest.raises(KeyboardInterrupt):
        run_feature_stage(db, settings, _case_id(db))
    with db.session() as session:
        done = session.scalars(
            select(ExtractionDone).where(ExtractionDone.extractor == "local_features")
        ).all()
        stored = session.scalars(select(LocalFeatureSet)).all()
    assert len(done) == 3 and len(stored) == 8  # a batch is described, then linked
    monkeypatch.setattr(stage_module, "link_picture", real)
    summary = run_feature_stage(db, settings, _case_id(db))
    assert summary.pictures == 5 and summary.remaining == 0
    with db.session() as session:
        assert len(session.scalars(select(LocalFeatureSet)).all()) == 8
        scene = session.scalars(select(Match).where(Match.kind == "scene")).all()
    family = {_sha(db, seizure, f"room1{k}.jpg") for k in ("", "-crop", "-turned", "-mirror")}
    assert {m.media_sha256 for m in scene} | {m.other_sha256 for m in scene} == family
    room1 = _sha(db, seizure, "room1.jpg")
    assert len([m for m in scene if m.media_sha256 == room1]) == 3
    assert run_feature_stage(db, settings, _case_id(db)).pictures == 0


def test_a_region_query_saves_the_pictures_it_had_to_add(
    db, settings, seizure, monkeypatch
) -> None:
    """A stage killed after it stored a batch's features leaves them out of the saved
    object index; the first region query adds them and saves, so the next query does
    not add them (and train the vocabulary) again."""
    _ingest(db, settings.with_changes(features=False), seizure)

    def killed(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(stage_module, "link_picture", killed)
    with pytest.raises(KeyboardInterrupt):
        run_feature_stage(db, settings, _case_id(db))
    with open_object_index(settings) as index:
        assert len(index) == 0
    room1 = _sha(db, seizure, "room1.jpg")
    assert find_object(db, settings, "op-room", room1).hits
    with open_object_index(settings) as index:
        assert len(index) == 8
    added: list[int] = []
    real_add = ObjectIndex.add
    monkeypatch.setattr(ObjectIndex, "add", lambda self, *a: added.append(1) or real_add(self, *a))
    assert find_object(db, settings, "op-room", room1).hits and not added


def test_a_gallery_item_in_a_picture_becomes_a_clue_that_places_it(store, tmp_path) -> None:
    db, settings = store
    gallery = tmp_path / "bags"
    bag = textured_object(500, 400, 320)
    Image.fromarray(bag).save(gallery.mkdir() or gallery / "bag.png")
    Image.fromarray(textured_object(501, 240, 200)).save(gallery / "logo.png")
    (gallery / "gallery.csv").write_text(
        "file,label,country,note\nbag.png,Corner-shop bag,PT,sold in one chain\n"
        "logo.png,School badge,NO,\nmissing.png,Gone,PT,\n"
    )
    imported = import_gallery(db, settings, gallery, "shops")
    assert imported.items == 2 and len(imported.skipped) == 1
    assert [g.name for g in list_galleries(db)] == ["shops"]
    rng = np.random.default_rng(3)
    folder = tmp_path / "case"
    _write(folder, "kitchen.jpg", paste(room(40), bag, rng, scale=0.8, angle=10)[0])
    _write(folder, "hall.jpg", room(41))
    _ingest(db, settings, folder)
    summary = run_feature_stage(db, settings, _case_id(db))
    assert summary.object_clues == 1
    kitchen = _sha(db, folder, "kitchen.jpg")
    with db.session() as session:
        clue = session.scalars(select(Clue).where(Clue.kind == "object_match")).one()
        assert (clue.media_sha256, clue.value) == (kitchen, "Corner-shop bag")
        assert clue.detail["country"] == "PT"
        estimate = estimate_media(session, kitchen)
    best = estimate.ranked[0]
    assert best.country == "PT"
    assert any("Corner-shop bag" in r.label for r in best.reasons)
    result = find_object(db, settings, "op-room", kitchen, None, "gallery:shops")
    assert [h.label for h in result.hits] == ["Corner-shop bag"]
    assert result.hits[0].country == "PT"


def test_a_gallery_item_is_found_even_where_the_index_ranks_it_too_low(
    store, tmp_path, monkeypatch
) -> None:
    """In a large case a small item's picture ranks other pictures first, so the stage
    asks the gallery's own descriptors as well; here the object index proposes nothing
    at all, and the bag is still found, mirrored too."""
    from vidi.objects import links as links_module

    monkeypatch.setattr(links_module, "LINK_CANDIDATES", 0)
    db, settings = store
    gallery = tmp_path / "bags"
    bag = textured_object(500, 400, 320)
    Image.fromarray(bag).save(gallery.mkdir() or gallery / "bag.png")
    for n in range(5):
        Image.fromarray(textured_object(510 + n, 300, 240)).save(gallery / f"other{n}.png")
    others = "".join(f"other{n}.png,Box {n},FR,\n" for n in range(5))
    (gallery / "gallery.csv").write_text(
        f"file,label,country,note\nbag.png,Corner-shop bag,PT,\n{others}"
    )
    assert import_gallery(db, settings, gallery, "shops").items == 6
    rng = np.random.default_rng(3)
    folder = tmp_path / "case"
    kitchen = paste(room(40), bag, rng, scale=0.5, angle=10)[0]
    _write(folder, "kitchen.jpg", kitchen)
    _write(folder, "kitchen-mirrored.jpg", np.ascontiguousarray(kitchen[:, ::-1]))
    _write(folder, "hall.jpg", room(41))
    _ingest(db, settings, folder)
    summary = run_feature_stage(db, settings, _case_id(db))
    assert summary.object_clues == 2
    with db.session() as session:
        clues = session.scalars(select(Clue).where(Clue.kind == "object_match")).all()
    found = {c.media_sha256: (c.value, c.detail["mirrored"]) for c in clues}
    assert found == {
        _sha(db, folder, "kitchen.jpg"): ("Corner-shop bag", False),
        _sha(db, folder, "kitchen-mirrored.jpg"): ("Corner-shop bag", True),
    }


def test_a_gallery_imported_after_the_pictures_is_checked_against_them_once(
    store, tmp_path
) -> None:
    """Pictures linked before a gallery existed are asked of it by ``check_galleries``;
    asked again, nothing is added twice."""
    db, settings = store
    rng = np.random.default_rng(8)
    bag = textured_object(520, 400, 320)
    folder = tmp_path / "case"
    _write(folder, "kitchen.jpg", paste(room(44), bag, rng, scale=0.6, angle=-8)[0])
    _write(folder, "hall.jpg", room(45))
    _ingest(db, settings, folder)
    assert run_feature_stage(db, settings, _case_id(db)).object_clues == 0
    with pytest.raises(VidiError, match="no gallery is imported"):
        check_galleries(db, _case_id(db))
    gallery = tmp_path / "bags"
    Image.fromarray(bag).save(gallery.mkdir() or gallery / "bag.png")
    (gallery / "gallery.csv").write_text("file,label,country,note\nbag.png,Shop bag,PT,\n")
    import_gallery(db, settings, gallery, "shops")
    assert check_galleries(db, _case_id(db)) == GalleryCheck(pictures=2, object_clues=1)
    assert check_galleries(db, _case_id(db)) == GalleryCheck(pictures=2, object_clues=0)
    with db.session() as session:
        clues = session.scalars(select(Clue).where(Clue.kind == "object_match")).all()
        assert [(c.media_sha256, c.value) for c in clues] == [
            (_sha(db, folder, "kitchen.jpg"), "Shop bag")
        ]
        ranked = estimate_media(session, clues[0].media_sha256).ranked
    portugal = next(score for score in ranked if score.country == "PT")
    assert any("Shop bag" in reason.label for reason in portugal.reasons)


def test_galleries_hold_a_bounded_number_of_items_in_all(store, tmp_path, monkeypatch) -> None:
    """The stage holds every item in memory, so an import past the bound is refused in
    one line and changes nothing; replacing a gallery counts only the other galleries."""
    from vidi.objects import gallery as gallery_module

    monkeypatch.setattr(gallery_module, "MAX_ITEMS", 3)
    db, settings = store

    def folder(name: str, count: int) -> Path:
        path = tmp_path / name
        path.mkdir()
        lines = ["file,label,country,note"]
        for n in range(count):
            Image.fromarray(textured_object(530 + n, 200, 160)).save(path / f"{n}.png")
            lines.append(f"{n}.png,Item {n},PT,")
        (path / "gallery.csv").write_text("\n".join(lines) + "\n")
        return path

    assert import_gallery(db, settings, folder("bags", 2), "bags").items == 2
    with pytest.raises(VidiError, match="at most 3 items in all: 2 are imported"):
        import_gallery(db, settings, folder("logos", 2), "logos")
    assert [(g.name, g.items) for g in list_galleries(db)] == [("bags", 2)]
    assert import_gallery(db, settings, folder("bags-again", 3), "bags").items == 3


def test_a_replaced_gallery_leaves_nothing_of_its_old_items_in_the_index(store, tmp_path) -> None:
    """Imported again under its name, a gallery's new items are indexed by their own words
    under ids never given before, and the old items are never candidates."""
    db, settings = store
    rng = np.random.default_rng(4)

    def gallery(folder: Path, pictures: dict[str, tuple[np.ndarray, str, str]]) -> Path:
        folder.mkdir()
        lines = ["file,label,country,note"]
        for file, (picture, label, country) in pictures.items():
            Image.fromarray(picture).save(folder / file)
            lines.append(f"{file},{label},{country},")
        (folder / "gallery.csv").write_text("\n".join(lines) + "\n")
        return folder

    rooms = tmp_path / "rooms"  # a collection first: the vocabulary is trained on it
    for n in range(6):
        _write(rooms, f"room{n}.jpg", paste(room(50 + n), textured_object(700 + n), rng, 0.6)[0])
    _ingest(db, settings, rooms, "op-rooms")
    run_feature_stage(db, settings, _case_id(db, "op-rooms"))
    bag, box = textured_object(500, 400, 320), textured_object(600, 400, 320)
    logo = (textured_object(501, 240, 200), "School badge", "NO")
    first = gallery(tmp_path / "v1", {"bag.png": (bag, "Corner-shop bag", "PT"), "logo.png": logo})
    second = gallery(tmp_path / "v2", {"box.png": (box, "Cereal box", "FR"), "logo.png": logo})
    assert import_gallery(db, settings, first, "shops").items == 2
    items = select(LocalFeatureSet).where(LocalFeatureSet.gallery_item_id.is_not(None))
    with db.session() as session:
        old = {row.id for row in session.scalars(items)}
    assert import_gallery(db, settings, second, "shops").items == 2
    with db.session() as session:
        everything = set(session.scalars(select(LocalFeatureSet.id)))
        stored = {row.id: decode(row.data) for row in session.scalars(items)}
    with open_object_index(settings) as index:
        assert index.ids == everything and len(index) == len(everything)
        for id_, features in stored.items():  # each found by its own words, none closer
            best = index.search(index.vocabulary.words(features.descriptors), 1)[0]
            assert best.id == id_ and best.score > 0.999  # the cosine of a bag with itself
    assert not old & everything  # SQLite would give a deleted row's id again but for 0017
    folder = tmp_path / "case"
    _write(folder, "kitchen.jpg", paste(room(42), box, rng, 0.8)[0])
    _ingest(db, settings, folder)
    run_feature_stage(db, settings, _case_id(db))
    with db.session() as session:
        labels = session.scalars(select(Clue.value).where(Clue.kind == "object_match"))
        assert list(labels) == ["Cereal box"]


def test_a_large_flat_vocabulary_from_before_the_tree_is_trained_again_once(
    db, settings, seizure, caplog
) -> None:  # type: ignore[no-untyped-def]
    """An index saved with a flat vocabulary of TREE_FROM words or more (as before the
    vocabulary tree) is trained again on the next sync, with a one-line notice, and
    every stored feature set is added back; the next sync keeps the new vocabulary."""
    _ingest(db, settings, seizure)
    run_feature_stage(db, settings, _case_id(db))
    flat = Vocabulary(np.random.default_rng(3).integers(0, 256, (TREE_FROM, 32), np.uint8))
    with open_object_index(settings) as index:
        index.reset(flat, 8)
        index.save()
    with caplog.at_level("WARNING"), open_object_index(settings) as index, db.session() as s:
        assert index.vocabulary is not None and len(index.vocabulary) == TREE_FROM
        added = sync_index(s, index)
        assert index.vocabulary is not None and index.vocabulary is not flat
        assert len(index.vocabulary) < TREE_FROM  # eight pictures want a small flat one
        assert added == len(index) == 8
        index.save()
    assert sum("before the word tree" in r.getMessage() for r in caplog.records) == 1
    caplog.clear()
    with caplog.at_level("WARNING"), open_object_index(settings) as index, db.session() as s:
        trained = index.vocabulary
        assert sync_index(s, index) == 0 and index.vocabulary is trained
    assert not any("before the word tree" in r.getMessage() for r in caplog.records)


def _in_step(db: Database, settings: Settings) -> tuple[set[int], set[int]]:
    """Both indexes brought into step as a reader does; the ids each then holds."""
    with open_object_index(settings) as index, db.session() as session:
        index_in_step(session, index)
        assert index.vocabulary is not None
        vocabulary, objects = index.vocabulary, index.ids
    with open_descriptor_index(settings) as points, db.session() as session:
        descriptors_in_step(session, points, vocabulary)
        return objects, points.ids


def _stored(db: Database) -> set[int]:
    with db.session() as session:
        return set(session.scalars(select(LocalFeatureSet.id)))


def _features_row(db: Database, sha256: str) -> LocalFeatureSet:
    with db.session() as session:
        row = session.scalars(
            select(LocalFeatureSet).where(LocalFeatureSet.media_sha256 == sha256)
        ).one()
        session.expunge(row)
        return row


def _copy(row: LocalFeatureSet) -> LocalFeatureSet:
    return LocalFeatureSet(
        media_sha256=row.media_sha256, extractor=row.extractor, points=row.points, data=row.data
    )


def test_a_reader_reads_no_ids_while_the_features_table_is_unchanged(
    store, seizure, monkeypatch
) -> None:
    """Both indexes record the features table's stamp when brought into step; a later
    reader compares it and reads no ids until a row is deleted or added."""
    db, settings = store
    _ingest(db, settings, seizure)
    assert _in_step(db, settings) == (_stored(db), _stored(db))
    reads: list[int] = []
    real = features_module._stored_ids
    monkeypatch.setattr(
        features_module, "_stored_ids", lambda *a, **k: reads.append(1) or real(*a, **k)
    )
    assert _in_step(db, settings) == (_stored(db), _stored(db)) and not reads
    room3 = _features_row(db, _sha(db, seizure, "room3.jpg"))
    with db.session() as session:
        session.execute(delete(LocalFeatureSet).where(LocalFeatureSet.id == room3.id))
    assert _in_step(db, settings) == (_stored(db), _stored(db)) and len(reads) == 2
    assert room3.id not in _stored(db) and len(reads) == 2
    with db.session() as session:
        again = _copy(room3)
        session.add(again)
        session.flush()
        added = again.id
    objects, points = _in_step(db, settings)
    assert added in objects and added in points and len(reads) == 4
    assert _in_step(db, settings) == (_stored(db), _stored(db)) and len(reads) == 4


def test_on_postgresql_a_stamp_waits_for_the_writers_of_the_features_table(
    postgres_url, settings, seizure
) -> None:
    """On PostgreSQL a row may be committed after a row with a higher id: had a reader
    recorded its stamp in between, and had a deletion then put the count back, the row
    would never be added. The stamp is read under a lock that waits for the writer."""
    settings = settings.with_changes(database_url=postgres_url)
    db = Database(postgres_url)
    try:
        _ingest(db, settings, seizure)
        rows = [_features_row(db, _sha(db, seizure, f"room{n}.jpg")) for n in (3, 4, 5)]
        with db.session() as session:
            session.execute(
                delete(LocalFeatureSet).where(LocalFeatureSet.id.in_([rows[0].id, rows[1].id]))
            )
        _in_step(db, settings)
        reader = threading.Thread(target=_in_step, args=(db, settings))
        with db.session() as first:
            late = _copy(rows[0])
            first.add(late)
            first.flush()  # its id is taken, not yet committed
            with db.session() as second:
                early = _copy(rows[1])
                second.add(early)
                second.flush()
            assert early.id > late.id
            reader.start()
            time.sleep(1.0)
            assert reader.is_alive()  # waiting for the first writer
        with db.session() as session:  # the count as it was before the late row
            session.execute(delete(LocalFeatureSet).where(LocalFeatureSet.id == rows[2].id))
        reader.join(60)
        objects, points = _in_step(db, settings)
        assert late.id in objects and late.id in points
        assert objects == points == _stored(db)
    finally:
        db.close()


def test_on_postgresql_writers_wait_only_while_the_ids_are_read(
    postgres_url, settings, seizure, monkeypatch
) -> None:
    """The SHARE lock is let go once the stamp and the ids are read: the features added
    after (minutes for a large catch-up) are read while writers write."""
    from sqlalchemy import text

    settings = settings.with_changes(database_url=postgres_url)
    db = Database(postgres_url)
    try:
        _ingest(db, settings, seizure)
        _in_step(db, settings)
        room3 = _features_row(db, _sha(db, seizure, "room3.jpg"))
        with db.session() as session:
            session.execute(delete(LocalFeatureSet).where(LocalFeatureSet.id == room3.id))
            session.add(_copy(room3))  # a new row: both indexes must read its features
        written: list[int] = []
        real = features_module.load_features

        def load_while_writing(session, ids):  # type: ignore[no-untyped-def]
            with db.session() as writer:  # fails if the table were still locked
                writer.execute(text("SET LOCAL lock_timeout = '1s'"))
                writer.execute(delete(LocalFeatureSet).where(LocalFeatureSet.id == -1))
                written.append(1)
            return real(session, ids)

        monkeypatch.setattr(features_module, "load_features", load_while_writing)
        objects, points = _in_step(db, settings)
        assert len(written) == 2 and objects == points == _stored(db)
    finally:
        db.close()


def test_on_postgresql_a_reader_that_cannot_lock_records_no_stamp(
    postgres_url, settings, seizure, monkeypatch
) -> None:
    """A writer that keeps the features table past LOCK_WAIT: the reader syncs without
    the lock and records no stamp, so the next reader reads the ids again and adds the
    writer's row once it is committed."""
    settings = settings.with_changes(database_url=postgres_url)
    db = Database(postgres_url)
    try:
        _ingest(db, settings, seizure)
        room3 = _features_row(db, _sha(db, seizure, "room3.jpg"))
        with db.session() as session:
            session.execute(delete(LocalFeatureSet).where(LocalFeatureSet.id == room3.id))
        monkeypatch.setattr(features_module, "LOCK_WAIT", 0.5)
        with db.session() as writer:
            again = _copy(room3)
            writer.add(again)
            writer.flush()
            objects, _ = _in_step(db, settings)  # waits 0.5 s, then reads unlocked
            assert again.id not in objects
            with open_object_index(settings) as index:
                assert index.synced_with is None
        objects, points = _in_step(db, settings)
        assert again.id in objects and again.id in points
    finally:
        db.close()
