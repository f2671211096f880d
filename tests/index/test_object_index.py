"""The object index: crops, turned and mirrored copies found; unrelated pictures not; saved
and checked on open."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from vidi.demo.objects import crop_area, paste, recompress, room, rotate, textured_object
from vidi.fingerprints.local_features import extract_features
from vidi.index import objects as objects_module
from vidi.index.geometry import verify
from vidi.index.objects import TAIL, ObjectIndex, _Postings
from vidi.index.storage import IndexDamaged, _manifest_checksum
from vidi.index.vocabulary import Vocabulary, train_vocabulary, vocabulary_size
from vidi.objects.matching import MIN_INLIERS

PICTURES = 16


@pytest.fixture(scope="module")
def collection():  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(21)
    pictures = [paste(room(i), textured_object(300 + i), rng, 0.6)[0] for i in range(PICTURES)]
    features = [extract_features(p) for p in pictures]
    vocabulary = train_vocabulary(np.concatenate([f.descriptors for f in features]))
    index = ObjectIndex.in_memory(vocabulary)
    for i, f in enumerate(features):
        index.add(i, vocabulary.words(f.descriptors))
    return pictures, features, index


def _best(collection, picture: np.ndarray) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    _, features, index = collection
    best = (-1, 0)
    for side in (picture, np.ascontiguousarray(picture[:, ::-1])):
        query = extract_features(side)
        for candidate in index.search(index.vocabulary.words(query.descriptors), 10):
            inliers = verify(query, features[candidate.id]).inliers
            if inliers >= MIN_INLIERS and inliers > best[1]:
                best = (candidate.id, inliers)
    return best


@pytest.mark.parametrize(
    "change",
    [
        lambda p, rng: crop_area(p, 0.3, rng),
        lambda p, rng: rotate(p, 25),
        lambda p, rng: np.ascontiguousarray(p[:, ::-1]),
        lambda p, rng: recompress(rotate(p, 10), 60),
    ],
    ids=["crop-30%", "turned-25deg", "mirrored", "turned-and-recompressed"],
)
def test_changed_copies_are_found(collection, change) -> None:  # type: ignore[no-untyped-def]
    pictures = collection[0]
    rng = np.random.default_rng(4)
    found = [_best(collection, change(pictures[i], rng))[0] for i in range(0, PICTURES, 4)]
    assert found == list(range(0, PICTURES, 4))


def test_unrelated_pictures_give_no_verified_hit(collection) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(8)
    for seed in range(1000, 1006):
        stranger = paste(room(seed), textured_object(seed), rng, 0.6)[0]
        assert _best(collection, stranger) == (-1, 0)


def _saved(collection, directory: Path) -> ObjectIndex:  # type: ignore[no-untyped-def]
    """An index of the collection's pictures (ids 0, 1, ...), saved, still open."""
    _, features, memory = collection
    index = ObjectIndex.open(directory)
    index.reset(memory.vocabulary, PICTURES)
    for i, f in enumerate(features):
        index.add(i, memory.vocabulary.words(f.descriptors))
    index.save()
    return index


def test_a_saved_index_answers_the_same_and_refuses_a_flipped_byte(
    collection, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    _, features, memory = collection
    with _saved(collection, tmp_path / "objects") as index:
        index.add(99, memory.vocabulary.words(features[0].descriptors))
    words = memory.vocabulary.words(features[5].descriptors)
    with ObjectIndex.open(tmp_path / "objects") as index:
        assert len(index) == PICTURES and 99 not in index  # unsaved rows come from the table
        assert index.search(words, 1)[0].id == 5
    rows = next((tmp_path / "objects").glob("o*.rows.npy"))
    data = bytearray(rows.read_bytes())
    data[-1] ^= 1
    rows.write_bytes(bytes(data))
    later = rows.stat().st_mtime_ns + 1_000_000  # a write a moment later (the clock's tick)
    os.utime(rows, ns=(later, later))
    with pytest.raises(IndexDamaged, match="checksum"):
        ObjectIndex.open(tmp_path / "objects")


def test_the_postings_are_hashed_once_and_again_when_a_file_changes(
    collection, tmp_path: Path, hashed_files: list[str]
) -> None:  # type: ignore[no-untyped-def]
    """The postings are memory-mapped: hashed whole when written, then again only when
    the file on disk is no longer the one recorded as checked."""
    _, features, memory = collection
    _saved(collection, tmp_path / "objects").close()
    words = memory.vocabulary.words(features[5].descriptors)
    with ObjectIndex.open(tmp_path / "objects") as index:
        assert index.search(words, 1)[0].id == 5
    assert hashed_files == []
    (tmp_path / "objects" / "checked.json").unlink()
    for _ in range(2):
        with ObjectIndex.open(tmp_path / "objects") as index:
            assert index.search(words, 1)[0].id == 5
    hashed = sorted(name.split(".")[1] for name in hashed_files)
    assert hashed == ["counts", "norms", "rows", "starts"]  # once, not twice


def test_rows_added_since_the_save_rank_as_they_will_once_merged(collection) -> None:  # type: ignore[no-untyped-def]
    """Unsaved rows are sorted by word every TAIL rows (the newest are read whole); a search
    ranks them as the merged postings do (norms differ only by the IDF's drift since)."""
    _, features, memory = collection
    vocabulary = memory.vocabulary
    rng = np.random.default_rng(5)
    index = ObjectIndex.in_memory(vocabulary)
    rows = [vocabulary.words(f.descriptors) for f in features]
    extra = [rng.integers(0, len(vocabulary), 400) for _ in range(2 * TAIL + 5)]
    for i, words in enumerate(rows + extra):
        index.add(i, words)
    assert len(index) == PICTURES + len(extra)
    queries = rows[::3] + extra[TAIL - 2 : TAIL + 1] + extra[-2:]
    before = [index.search(w, 5) for w in queries]
    index._merge()
    after = [index.search(w, 5) for w in queries]
    assert [b[0].id for b in before] == [a[0].id for a in after]
    assert [b[0].id for b in before[: len(rows[::3])]] == list(range(0, PICTURES, 3))
    assert [b[0].id for b in before[len(rows[::3]) :]] == [
        PICTURES + i for i in (TAIL - 2, TAIL - 1, TAIL, len(extra) - 2, len(extra) - 1)
    ]
    for b, a in zip(before, after, strict=True):  # the IDF grew by 69 rows meanwhile
        assert abs(b[0].score - a[0].score) < 0.05


def test_many_rows_added_at_once_are_sorted_once_and_rank_as_one_by_one(  # type: ignore[no-untyped-def]
    collection, monkeypatch
) -> None:
    """A catch-up (a vocabulary trained again, a killed stage's pictures) adds thousands of
    rows: each sort in :meth:`ObjectIndex.add` is of every row since the last save, so
    they are added in one go and sorted once, and rank as if added one by one."""
    _, features, memory = collection
    vocabulary = memory.vocabulary
    rng = np.random.default_rng(6)
    rows = [vocabulary.words(f.descriptors) for f in features]
    rows += [rng.integers(0, len(vocabulary), 400) for _ in range(3 * TAIL)]
    one_by_one = ObjectIndex.in_memory(vocabulary)
    for i, words in enumerate(rows):
        one_by_one.add(i, words)
    sorts: list[int] = []
    real = _Postings.joined
    monkeypatch.setattr(_Postings, "joined", lambda *a: sorts.append(1) or real(*a))
    at_once = ObjectIndex.in_memory(vocabulary)
    at_once.add_many(enumerate(rows))
    assert len(sorts) == 1 and len(at_once) == len(rows) == len(one_by_one)
    for words in rows[::5]:
        expected, found = one_by_one.search(words, 5), at_once.search(words, 5)
        assert [c.id for c in found] == [c.id for c in expected]
        assert np.allclose([c.score for c in found], [c.score for c in expected], atol=0.05)


def test_the_vocabulary_separates_distinct_descriptors() -> None:
    """k-means in Hamming space: two families of descriptors never share a word."""
    rng = np.random.default_rng(2)
    centres = rng.integers(0, 256, (2, 32), dtype=np.uint8)
    noise = (rng.random((4000, 32, 8)) < 0.05).astype(np.uint8)
    flips = np.packbits(noise, axis=2)[:, :, 0]
    family = np.repeat([0, 1], 2000)
    descriptors = centres[family] ^ flips
    vocabulary = train_vocabulary(descriptors)
    words = vocabulary.words(descriptors)
    assert len(vocabulary) == 64
    assert not set(words[family == 0]) & set(words[family == 1])
    several = vocabulary.words(descriptors[:200], nearest=2)
    assert several.shape == (200, 2) and (several[:, 0] == words[:200]).mean() > 0.95
    assert (several[:, 0] != several[:, 1]).all()


@pytest.mark.parametrize("in_place", [False, True], ids=["gathered", "in-place"])
def test_overlap_scoring_counts_each_shared_word_at_its_smaller_count(
    monkeypatch: pytest.MonkeyPatch, in_place: bool
) -> None:
    """The region query's scoring, in the saved postings, the rows added since and the
    newest rows alike: sum of min(query count, row count) x IDF² over the query's own;
    short postings gathered, long ones added in place (here: every list is long)."""
    if in_place:
        monkeypatch.setattr(objects_module, "LONG_POSTINGS", 1)
    rng = np.random.default_rng(5)
    vocabulary = Vocabulary(rng.integers(0, 256, (64, 32), dtype=np.uint8))
    index = ObjectIndex.in_memory(vocabulary)
    rows = [rng.integers(0, 64, int(rng.integers(5, 60))) for _ in range(2 * TAIL + 7)]
    for i, words in enumerate(rows[:TAIL]):
        index.add(i, words)
    index._merge()  # saved postings, then rows sorted by word, then the newest rows
    for i, words in enumerate(rows[TAIL:], start=TAIL):
        index.add(i, words)
    query = rng.integers(0, 64, 40)
    idf = index._idf()
    wanted = np.bincount(query, minlength=64)
    expected = [
        float((np.minimum(wanted, np.bincount(words, minlength=64)) * idf**2).sum())
        / float((wanted * idf**2).sum())
        for words in rows
    ]
    found = {c.id: c.score for c in index.search(query, len(rows), scoring="overlap")}
    assert found.keys() == {i for i, e in enumerate(expected) if e > 0}
    assert max(abs(found[i] - expected[i]) for i in found) < 1e-5
    assert index.search(query, 5, scoring="overlap")[0].id == int(np.argmax(expected))
    with pytest.raises(ValueError, match="scoring"):
        index.search(query, 5, scoring="bm25")


@pytest.mark.parametrize("in_place", [False, True], ids=["gathered", "in-place"])
def test_cosine_scoring_is_the_tf_idf_cosine_of_the_counts(
    monkeypatch: pytest.MonkeyPatch, in_place: bool
) -> None:
    """The default scoring, read from the saved postings (gathered, or each word's list
    added in place), equals the cosine of the query's and each row's count x IDF vectors
    computed whole."""
    if in_place:
        monkeypatch.setattr(objects_module, "LONG_POSTINGS", 1)
    rng = np.random.default_rng(8)
    vocabulary = Vocabulary(rng.integers(0, 256, (64, 32), dtype=np.uint8))
    index = ObjectIndex.in_memory(vocabulary)
    rows = [rng.integers(0, 64, int(rng.integers(5, 60))) for _ in range(3 * TAIL)]
    for i, words in enumerate(rows):
        index.add(i, words)
    index._merge()  # every row in the saved postings
    query = rng.integers(0, 64, 40)
    idf = index._idf()
    asked = np.bincount(query, minlength=64) * idf
    expected = []
    for words in rows:
        weights = np.bincount(words, minlength=64) * idf
        expected.append(float(asked @ weights / np.linalg.norm(asked) / np.linalg.norm(weights)))
    found = {c.id: c.score for c in index.search(query, len(rows))}
    assert found.keys() == {i for i, e in enumerate(expected) if e > 0}
    assert max(abs(found[i] - expected[i]) for i in found) < 1e-5


def test_training_a_large_vocabulary_prints_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    """From 1,024 words the vocabulary is a tree searched through FAISS's binary inverted
    file, whose own training warns on stderr when its groups have too few points; the
    tree's coarse centres are trained by Vidi, so nothing is printed."""
    descriptors = np.random.default_rng(6).integers(0, 256, (60_000, 32), dtype=np.uint8)
    assert len(train_vocabulary(descriptors)) == 1_024
    out, err = capfd.readouterr()
    assert out == "" and err == ""


@pytest.fixture(scope="module")
def families() -> tuple[np.ndarray, np.ndarray]:
    """300 families of descriptors (a random centre, each bit flipped at 8 %)."""
    rng = np.random.default_rng(11)
    centres = rng.integers(0, 256, (300, 32), dtype=np.uint8)
    family = rng.integers(0, 300, 120_000)
    flips = np.packbits((rng.random((len(family), 32, 8)) < 0.08).astype(np.uint8), axis=2)
    return centres[family] ^ flips[:, :, 0], family


def test_a_large_vocabulary_is_a_tree_whose_words_keep_families_apart(families) -> None:  # type: ignore[no-untyped-def]
    """From TREE_FROM words: coarse centres, then each group's words; a descriptor's word
    is found through its nearest groups only, and words still keep families apart."""
    descriptors, family = families
    vocabulary = train_vocabulary(descriptors)
    assert vocabulary.is_tree and len(vocabulary) == vocabulary_size(len(descriptors)) == 2_048
    assert 16 <= len(vocabulary.coarse) <= 64
    words = vocabulary.words(descriptors)
    assert words.min() >= 0 and words.max() < len(vocabulary)
    pairs = np.unique(np.stack([words, family]), axis=1, return_counts=True)
    (word_of, family_of), members = pairs
    majority = np.zeros(len(vocabulary), np.int64)
    np.maximum.at(majority, word_of, members)
    assert majority.sum() / len(words) > 0.99  # almost every word holds one family
    assert len(np.unique(words)) > 1_500
    several = vocabulary.words(descriptors[:500], nearest=3)
    assert several.shape == (500, 3)
    assert (several[:, 0] == words[:500]).mean() > 0.95  # ties may order differently
    assert len({tuple(sorted(r)) for r in several[:, :2].tolist()}) > 1


def test_a_saved_tree_vocabulary_quantises_alike_and_an_old_flat_index_still_opens(
    families, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    descriptors, _ = families
    tree = train_vocabulary(descriptors)
    with ObjectIndex.open(tmp_path / "tree") as index:
        index.reset(tree, 100)
        index.add(1, tree.words(descriptors[:300]))
        index.save()
    with ObjectIndex.open(tmp_path / "tree") as index:
        assert index.vocabulary is not None and index.vocabulary.is_tree
        assert np.array_equal(index.vocabulary.words(descriptors), tree.words(descriptors))
    flat = Vocabulary(descriptors[:64])
    with ObjectIndex.open(tmp_path / "flat") as index:
        index.reset(flat, 100)
        index.add(1, flat.words(descriptors[:300]))
        index.add(2, flat.words(descriptors[300:600]))
        index.save()
    manifest = tmp_path / "flat" / "objects.json"  # as an index saved before the tree
    saved = json.loads(manifest.read_text())
    (tmp_path / "flat" / "o1.coarse.npy").unlink()
    del saved["files"]["o1.coarse.npy"]
    del saved["manifest_checksum"]
    saved["manifest_checksum"] = _manifest_checksum(saved)
    manifest.write_text(json.dumps(saved))
    with ObjectIndex.open(tmp_path / "flat") as index:
        assert index.vocabulary is not None and not index.vocabulary.is_tree
        assert index.search(flat.words(descriptors[:300]), 1)[0].id == 1


@pytest.mark.parametrize("scoring", ["cosine", "overlap"])
def test_a_dropped_row_is_never_found_and_its_id_may_return_with_other_words(
    collection, tmp_path: Path, scoring: str
) -> None:  # type: ignore[no-untyped-def]
    """Rows dropped among the saved ones, the rows added since and the newest are skipped
    by a search and leave the files at the save; an id dropped and added again (a
    picture described again for a newer extractor) is found by its new words only."""
    _, features, memory = collection
    vocabulary = memory.vocabulary
    rows = [vocabulary.words(f.descriptors) for f in features]
    rng = np.random.default_rng(9)
    extra = [rng.integers(0, len(vocabulary), 400) for _ in range(TAIL + 3)]
    index = ObjectIndex.open(tmp_path / "objects")
    index.reset(vocabulary, 0)
    for i, words in enumerate(rows[:8]):
        index.add(i, words)
    index.save()  # rows 0-7 saved; 8-15 and the extra ones added since
    for i, words in enumerate(rows[8:] + extra, start=8):
        index.add(i, words)
    last = PICTURES + len(extra) - 1  # still among the newest, not yet sorted by word
    dropped = {2, 11, last}
    assert index.drop(dropped | {999}) == 3
    assert index.drop({2}) == 0

    def first(words: np.ndarray) -> int:
        return index.search(words, 1, scoring=scoring)[0].id

    assert all(first(rows[i]) == i for i in range(PICTURES) if i not in dropped)
    assert first(rows[2]) != 2 and first(rows[11]) != 11 and first(extra[-1]) != last
    index.add(2, extra[0])  # the id again, with another picture's words
    assert first(rows[2]) != 2 and {c.id for c in index.search(extra[0], 2)} == {2, PICTURES}
    index.save()
    index.close()
    reopened = ObjectIndex.open(tmp_path / "objects")
    assert len(reopened) == PICTURES + len(extra) - 2 and 11 not in reopened
    assert reopened.search(rows[11], 1)[0].id != 11
    assert {c.id for c in reopened.search(extra[0], 2)} == {2, PICTURES}
    assert all(reopened.search(rows[i], 1)[0].id == i for i in (0, 5, 8, 15))
    reopened.close()


def test_verifying_deeper_passes_over_the_candidates_already_verified(collection) -> None:  # type: ignore[no-untyped-def]
    """``skip`` verifies the candidates ranked after those an earlier call verified (a
    region query that found nothing looks deeper): a picture's own copy ranks first, so
    it is found with no skip and not with a skip of one."""
    from vidi.objects.matching import verified_hits

    _, features, index = collection
    query = features[3]
    known = dict(enumerate(features))
    first = verified_hits(None, index, [query], candidates=1, known=known)  # type: ignore[arg-type]
    after = verified_hits(None, index, [query], candidates=5, known=known, skip=1)  # type: ignore[arg-type]
    assert [h.id for h in first] == [3]
    assert 3 not in {h.id for h in after}


def test_a_stamp_alone_rewrites_the_manifest_and_any_change_clears_it(
    collection, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The table's stamp is kept in the manifest with the generation it stands for; saved
    alone it writes no new generation, and a row added or dropped clears it."""
    _, features, memory = collection
    directory = tmp_path / "objects"
    with ObjectIndex.open(directory) as index:
        index.reset(memory.vocabulary, PICTURES)
        for i, f in enumerate(features[:4]):
            index.add(i, memory.vocabulary.words(f.descriptors))
        assert index.synced_with is None
        index.synced_with = "4:3"
        assert index.unsaved
        index.save()
        assert not index.unsaved
    files = sorted(p.name for p in directory.glob("*.npy"))
    with ObjectIndex.open(directory) as index:
        assert index.synced_with == "4:3" and not index.unsaved
        index.synced_with = "4:5"
        index.save()
    assert sorted(p.name for p in directory.glob("*.npy")) == files  # the same generation
    with ObjectIndex.open(directory) as index:
        assert index.synced_with == "4:5" and len(index) == 4
        index.add(9, memory.vocabulary.words(features[9].descriptors))
        assert index.synced_with is None and index.unsaved
        index.save()
    with ObjectIndex.open(directory) as index:
        assert index.synced_with is None and 9 in index
        index.synced_with = "5:9"
        index.save()
        assert index.drop([3]) == 1 and index.synced_with is None
        index.save()
    with ObjectIndex.open(directory) as index:
        assert index.synced_with is None and 3 not in index
