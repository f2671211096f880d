"""VICS as other tools write it: hashes in AlternativeHashes, read and written back."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hashlist_helpers import random_hex, seeded

from vidi.errors import HashListError
from vidi.hashlists import ExportFile, ExportItem, read_hashlist, write_vics

CONTEXT_20 = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Cases"
MD5 = "ADEBF3FA3C9BE7F73825E1CB9E2DEA09"
SHA1 = "2B0354C5AC0F3CDA7C5D5C2A7CC0D8D2A2F3DE4C"
PHOTODNA = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="


def _case_file(path: Path, media: list[dict[str, Any]]) -> Path:
    doc = {"@odata.context": CONTEXT_20, "value": [{"CaseID": "c-1", "Media": media}]}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _alternative(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"HashName": name, "HashValue": value} for name, value in pairs]


@pytest.mark.parametrize("hash_name", ["PDQ", "pdq", "Pdq"])
def test_pdq_and_sha256_are_read_from_alternative_hashes_whatever_the_case_of_hashname(
    tmp_path: Path, hash_name: str
) -> None:
    rng = seeded()
    pdq, sha256 = random_hex(rng, 64), random_hex(rng, 64)
    record = {
        "MD5": MD5,
        "AlternativeHashes": _alternative((hash_name, pdq.upper()), ("sha256", sha256)),
    }
    [entry] = read_hashlist(_case_file(tmp_path / "l.json", [record]))
    assert (entry.md5, entry.pdq, entry.sha256) == (MD5.lower(), pdq, sha256)


def test_photodna_is_kept_as_opaque_text_and_written_back(tmp_path: Path) -> None:
    rng = seeded()
    pdq = random_hex(rng, 64)
    record = {"MD5": MD5, "AlternativeHashes": _alternative(("PhotoDNA", PHOTODNA), ("PDQ", pdq))}
    [entry] = read_hashlist(_case_file(tmp_path / "l.json", [record]))
    assert entry.pdq == pdq
    assert entry.extra["AlternativeHashes"][0] == {"HashName": "PhotoDNA", "HashValue": PHOTODNA}

    out = io.StringIO()
    write_vics([entry], out)
    [written] = json.loads(out.getvalue())["value"][0]["Media"]
    assert {"HashName": "PhotoDNA", "HashValue": PHOTODNA} in written["AlternativeHashes"]
    assert {"HashName": "PDQ", "HashValue": pdq} in written["AlternativeHashes"]


@pytest.mark.parametrize(("field", "kind", "length"), [("MD5", "md5", 32), ("SHA1", "sha1", 40)])
def test_an_alternative_hash_that_disagrees_with_the_record_is_one_line_error(
    tmp_path: Path, field: str, kind: str, length: int
) -> None:
    rng = seeded()
    mine, theirs = random_hex(rng, length), random_hex(rng, length)
    records = [
        {"MD5": MD5},
        {field: mine, "AlternativeHashes": _alternative((kind.upper(), theirs))},
    ]
    path = _case_file(tmp_path / "l.json", records)
    with pytest.raises(HashListError) as caught:
        list(read_hashlist(path))
    message = str(caught.value)
    assert "\n" not in message
    assert "Media[1]" in message and "AlternativeHashes" in message and theirs in message


def test_an_alternative_hash_that_agrees_with_the_record_is_accepted(tmp_path: Path) -> None:
    record = {"MD5": MD5, "SHA1": SHA1, "AlternativeHashes": _alternative(("md5", MD5.lower()))}
    [entry] = read_hashlist(_case_file(tmp_path / "l.json", [record]))
    assert (entry.md5, entry.sha1) == (MD5.lower(), SHA1.lower())


@pytest.mark.parametrize(
    ("alternative", "said"),
    [
        ("PDQ", "must be a list"),
        (["PDQ"], "must be a JSON object"),
        ([{"HashValue": "00"}], "no HashName"),
        ([{"HashName": "PhotoDNA", "HashValue": 7}], "must be text"),
        ([{"HashName": "PDQ", "HashValue": "zz"}], "not hexadecimal"),
    ],
)
def test_a_malformed_alternative_hashes_list_is_refused_naming_the_record(
    tmp_path: Path, alternative: Any, said: str
) -> None:
    path = _case_file(tmp_path / "l.json", [{"MD5": MD5, "AlternativeHashes": alternative}])
    with pytest.raises(HashListError, match=rf"Media\[0\].*{said}"):
        list(read_hashlist(path))


def test_written_sha256_and_pdq_sit_in_alternative_hashes_with_file_paths() -> None:
    rng = seeded()
    item = ExportItem(
        md5=MD5.lower(),
        sha1=SHA1.lower(),
        sha256=random_hex(rng, 64),
        pdq=random_hex(rng, 64),
        files=(
            ExportFile("a.jpg", "x/b.zip/inner/a.jpg"),
            ExportFile("copy.jpg", "copy.jpg"),
        ),
    )
    out = io.StringIO()
    write_vics([item], out, case_id="stable-id")
    doc = json.loads(out.getvalue())
    assert doc["value"][0]["CaseID"] == "stable-id"
    [record] = doc["value"][0]["Media"]
    assert "SHA256" not in record and "PDQ" not in record
    assert record["AlternativeHashes"] == _alternative(("SHA256", item.sha256), ("PDQ", item.pdq))
    assert record["RelativeFilePath"] == "x/b.zip/inner/a.jpg"
    assert record["MediaFiles"] == [
        {"FileName": "a.jpg", "RelativeFilePath": "x/b.zip/inner/a.jpg"},
        {"FileName": "copy.jpg", "RelativeFilePath": "copy.jpg"},
    ]
    [entry] = read_hashlist_text(out.getvalue())
    assert entry.hashes() == {
        "md5": item.md5,
        "sha1": item.sha1,
        "sha256": item.sha256,
        "pdq": item.pdq,
    }


def read_hashlist_text(text: str) -> list[Any]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "l.json"
        path.write_text(text, encoding="utf-8")
        return list(read_hashlist(path))


def test_the_documented_example_export_reads_back_with_every_hash() -> None:
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "vics-export.json"
    entries = list(read_hashlist(example))
    assert len(entries) == 2
    assert all(set(e.hashes()) == {"md5", "sha1", "sha256", "pdq"} for e in entries)
    files = entries[1].extra["MediaFiles"]
    assert files[0]["RelativeFilePath"] == "phone/backup.zip/inner.tar/Movies/clip.mp4"
