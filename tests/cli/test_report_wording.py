"""The human report: one wording for 'new' and 'known', and each series placed apart."""

from __future__ import annotations

from pathlib import Path

from test_clues_cli import gps_jpeg, vidi
from test_place_series_cli import _group, _ingest


def test_ingest_and_report_say_new_to_vidi_apart_from_known_from_hash_lists(
    tmp_path: Path,
) -> None:
    home, folder = tmp_path / "home", tmp_path / "s"
    folder.mkdir()
    (folder / "pl.jpg").write_bytes(gps_jpeg(52, 21))
    assert vidi(home, "case", "create", "w")[0] == 0

    code, out = vidi(home, "ingest", "--case", "w", "-q", "--no-clues", str(folder))
    assert code == 0, out
    assert "1 media new to Vidi's database, 0 already in it" in out
    assert "already known" not in out

    code, out = vidi(home, "report", "--case", "w")
    assert code == 0, out
    assert "media new to Vidi's database" in out
    assert "known from hash lists or earlier cases" in out
    assert "known from earlier cases" not in out.replace("hash lists or earlier cases", "")


def test_report_lists_each_series_country_and_says_how_far_they_disagree(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    pictures = {"pl.jpg": gps_jpeg(52, 21), "it.jpg": gps_jpeg(42, 12), "fr.jpg": gps_jpeg(47, 2)}
    _ingest(home, "c", tmp_path / "c", pictures)
    _group(home, {"PL": "g-pl", "IT": "g-it", "FR": "g-fr"})

    code, out = vidi(home, "report", "--case", "c")
    assert code == 0, out
    lines = out.splitlines()
    for series, country in [("g-pl", "PL"), ("g-it", "IT"), ("g-fr", "FR")]:
        line = next(line for line in lines if f"series {series}:" in line)
        assert f"1 media, {country} " in line
    agreement = next(line for line in lines if "series agreement" in line)
    assert "the 3 placed series disagree" in agreement and "33%" in agreement
    assert out.index("series agreement") < out.index("fused over every media item")


def test_report_of_agreeing_series_says_they_agree(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _ingest(home, "d", tmp_path / "d", {"a.jpg": gps_jpeg(52, 21), "b.jpg": gps_jpeg(51, 20)})
    _group(home, {"PL": "g-one"})

    code, out = vidi(home, "report", "--case", "d")
    assert code == 0, out
    assert "one series is placed (PL)" in out
