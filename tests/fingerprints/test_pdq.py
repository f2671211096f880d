"""PDQ against Meta's reference vectors (../shared/testdata/pdq), Meta's C++ through the
``pdqhash`` package, and its invariants."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pdqhash
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageOps

from vidi.config import ImageLimits
from vidi.fingerprints.pdq import (
    DCT_ROWS,
    bits_to_hex,
    pdq_distance,
    pdq_hash,
    pdq_hash_array,
    tent_samples,
)
from vidi.media.pictures import decode_image

PDQ_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "pdq"
REFERENCE_TOLERANCE = 16  # Meta's own Python tests accept up to 16 bits


def reference_rows() -> list[dict[str, str]]:
    expected = PDQ_DATA / "expected.csv"
    if not expected.exists():
        return []
    with open(expected, newline="") as handle:
        return list(csv.DictReader(handle))


needs_vectors = pytest.mark.skipif(
    not reference_rows(), reason="Meta's PDQ reference vectors are not in ../shared/testdata/pdq"
)


@needs_vectors
@pytest.mark.parametrize("row", reference_rows(), ids=lambda r: r["file"])
def test_full_decode_matches_meta_reference(row: dict[str, str]) -> None:
    with Image.open(PDQ_DATA / row["file"]) as image:
        ours = pdq_hash(image.convert("RGB"))
    assert pdq_distance(ours.hex, row["pdq_hex"]) <= REFERENCE_TOLERANCE


@needs_vectors
def test_reduced_size_decoding_moves_pdq_by_a_few_bits() -> None:
    """Ingest decodes JPEGs with DCT scaling; the drift is measured and bounded."""
    limits = ImageLimits()
    drifts = []
    for path in sorted(PDQ_DATA.rglob("*.jpg")):
        data = path.read_bytes()
        with Image.open(path) as image:
            full = pdq_hash((ImageOps.exif_transpose(image) or image).convert("RGB"))
        reduced = pdq_hash(decode_image(data, limits).image)
        drifts.append(full.distance(reduced))
    assert len(drifts) >= 20
    assert float(np.mean(drifts)) <= 6
    assert max(drifts) <= 24


@needs_vectors
def test_exif_orientation_turns_the_reported_size() -> None:
    """Orientations 6 and 8 are portrait once applied; 1 and 3 stay landscape."""
    folder = PDQ_DATA / "reg-test-input" / "exif-rotn"
    sizes = {
        p.stem[-1]: (d.width, d.height)
        for p in sorted(folder.iterdir())
        for d in [decode_image(p.read_bytes(), ImageLimits())]
    }
    assert sizes["1"] == sizes["3"] == (4032, 3024)
    assert sizes["6"] == sizes["8"] == (3024, 4032)


@given(st.lists(st.integers(0, 1), min_size=256, max_size=256))
def test_hex_is_msb_first_and_round_trips(bits: list[int]) -> None:
    hex_ = bits_to_hex(np.array(bits))
    assert len(hex_) == 64
    assert format(int(hex_, 16), "0256b") == "".join(map(str, bits))
    assert pdq_distance(hex_, hex_) == 0


def meta_pdq(image: Image.Image) -> tuple[str, int]:
    """Meta's C++ PDQ through the ``pdqhash`` binding: the reference we must equal."""
    bits, quality = pdqhash.compute(np.asarray(image.convert("RGB")))
    return bits_to_hex(bits), int(quality)


@needs_vectors
def test_matrix_pdq_equals_meta_cpp_on_photos() -> None:
    """Bit for bit, but where a coefficient lies within float rounding of the median."""
    distances = []
    for path in sorted(PDQ_DATA.rglob("*.jpg")) + sorted(PDQ_DATA.rglob("*.png")):
        with Image.open(path) as original:
            original.load()
            copies = [original]
            copies += [
                original.resize((round(original.width * s), round(original.height * s)))
                for s in (0.5, 0.3)
                if min(original.size) * s >= 64
            ]
            for picture in copies:
                ours = pdq_hash(picture)
                meta_hex, meta_quality = meta_pdq(picture)
                assert ours.quality == meta_quality, (path, picture.size)
                distances.append(ours.distance(meta_hex))
    assert len(distances) >= 60
    assert max(distances) <= 2
    assert distances.count(0) >= 0.95 * len(distances)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(64, 900),
    st.integers(64, 900),
    st.integers(0, 2**32 - 1),
)
@example(64, 520, 87414)  # two coefficients 7e-7 apart at the median (found by hypothesis)
def test_matrix_pdq_equals_meta_cpp_on_any_size(width: int, height: int, seed: int) -> None:
    """Every window size and sampling phase, on smooth noise.

    The bits are equal but where a coefficient lies within float error of the median
    (the two computations sum in other orders); the quality, an integer cut of a float
    sum, may round one step apart where the sum lies within float error of a step (both
    found by hypothesis).
    """
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (max(2, height // 16), max(2, width // 16), 3), dtype=np.uint8)
    picture = Image.fromarray(coarse).resize((width, height), Image.Resampling.BICUBIC)
    ours = pdq_hash(picture)
    meta_hex, meta_quality = meta_pdq(picture)
    coefficients = _coefficients(picture)
    median = np.partition(coefficients, 127)[127]
    near_median = np.abs(coefficients - median) <= 1e-5 * np.abs(coefficients).max()
    differ = np.unpackbits(np.frombuffer(bytes.fromhex(ours.hex), np.uint8)) != np.unpackbits(
        np.frombuffer(bytes.fromhex(meta_hex), np.uint8)
    )
    # Hex bit p (most significant first) is coefficient 255 - p.
    assert near_median[255 - np.flatnonzero(differ)].all(), (ours.hex, meta_hex)
    assert differ.sum() <= 2 * near_median.sum()
    assert abs(ours.quality - meta_quality) <= 1


def _coefficients(picture: Image.Image) -> np.ndarray:
    """Our 256 DCT coefficients of a picture, in the order PDQ's bits are cut from."""
    luma = np.asarray(picture.convert("F"), dtype=np.float32)
    samples = tent_samples(luma.shape[0]) @ luma @ tent_samples(luma.shape[1]).T
    return (DCT_ROWS @ samples @ DCT_ROWS.T).ravel()  # type: ignore[no-any-return]


def test_array_and_picture_hash_alike() -> None:
    rng = np.random.default_rng(3)
    rgb = np.asarray(
        Image.fromarray(rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)).resize((320, 240))
    )
    from_array = pdq_hash_array(rgb)
    from_picture = pdq_hash(Image.fromarray(rgb))
    assert from_array.distance(from_picture) <= 2
    assert from_array.quality == from_picture.quality


def test_grey_picture_hashes_as_its_rgb_copy() -> None:
    rng = np.random.default_rng(4)
    grey = Image.fromarray(rng.integers(0, 256, (10, 10), dtype=np.uint8)).resize((200, 150))
    assert pdq_hash(grey).distance(pdq_hash(grey.convert("RGB"))) <= 2


def test_a_64_pixel_square_is_sampled_without_blur() -> None:
    """Meta hashes 64×64 input (video frames ffmpeg already shrank) unfiltered."""
    assert np.array_equal(tent_samples(64), np.eye(64, dtype=np.float32))
    assert np.allclose(tent_samples(640).sum(axis=1), 1.0, atol=1e-5)


def test_pictures_under_five_pixels_get_an_empty_hash() -> None:
    tiny = pdq_hash(Image.new("RGB", (4, 300), (200, 10, 10)))
    assert (tiny.hex, tiny.quality) == ("0" * 64, 0)
