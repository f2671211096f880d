"""Ed25519 keys, canonical JSON and the signed manifest every bundle carries.

A bundle folder holds ``manifest.json`` (canonical JSON: the format, the signer's key
fingerprint and the SHA-256 of every other file) and ``manifest.sig`` (the Ed25519
signature of the manifest's exact bytes). A reader trusts one public key, given to it
out of band (a ``.pub`` file copied from the other side); a bundle signed by any other
key, a file whose hash differs, a missing file or a file the manifest does not list is
refused with one line that says which.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from vidi.errors import ConfigError, VidiError

MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
"""A manifest is a list of hashes; anything larger is not one of ours."""


class BundleRefused(VidiError):
    """A bundle failed verification (signature, unknown key, hash, layout); nothing was used."""


def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON value: sorted keys, no spaces, UTF-8 (as signed)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, as hex: how bundles name their signer."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return sha256_hex(raw)


@dataclass(frozen=True)
class SigningKey:
    """An Ed25519 private key kept in a folder, with its public half beside it.

    ``<folder>/<name>.key`` is the private key (PEM, mode 0600) and never leaves that
    machine; ``<folder>/<name>.pub`` is the public key (PEM) to copy to the other side.
    """

    private_key: Ed25519PrivateKey
    public_path: Path

    @classmethod
    def load_or_create(cls, folder: Path, name: str) -> SigningKey:
        private_path = folder / f"{name}.key"
        public_path = folder / f"{name}.pub"
        if private_path.exists():
            loaded = serialization.load_pem_private_key(private_path.read_bytes(), None)
            if not isinstance(loaded, Ed25519PrivateKey):
                raise ConfigError(f"{private_path} is not an Ed25519 private key")
            key = loaded
        else:
            folder.mkdir(parents=True, exist_ok=True)
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(pem)
        if not public_path.exists():
            public_path.write_bytes(
                key.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )
        return cls(private_key=key, public_path=public_path)

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.private_key.public_key()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)


def load_trusted_key(path: Path) -> Ed25519PublicKey:
    """The other side's public key, from the ``.pub`` file copied from it."""
    try:
        loaded = serialization.load_pem_public_key(path.read_bytes())
    except FileNotFoundError:
        raise ConfigError(
            f"no trusted public key at {path}: copy the signer's .pub file there"
        ) from None
    except ValueError:
        raise ConfigError(f"{path} is not a PEM public key") from None
    if not isinstance(loaded, Ed25519PublicKey):
        raise ConfigError(f"{path} is not an Ed25519 public key")
    return loaded


def write_signed_bundle(
    out: Path, bundle_format: str, files: dict[str, bytes], key: SigningKey, extra: dict[str, Any]
) -> dict[str, Any]:
    """Write ``files`` (relative path → bytes) into the new folder ``out``, then the manifest.

    The folder must not exist yet (or be empty): a bundle is written whole, never merged.
    """
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"{out} is not empty; a bundle is written into a new folder")
    out.mkdir(parents=True, exist_ok=True)
    for relative, data in files.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    manifest = {
        **extra,
        "format": bundle_format,
        "version": 1,
        "signer": key.fingerprint,
        "files": {relative: sha256_hex(data) for relative, data in sorted(files.items())},
    }
    body = canonical_json(manifest)
    (out / MANIFEST).write_bytes(body)
    (out / SIGNATURE).write_bytes(base64.b64encode(key.private_key.sign(body)) + b"\n")
    return manifest


def read_signed_bundle(
    folder: Path, bundle_format: str, trusted: Ed25519PublicKey
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Verify the bundle in ``folder`` and return its manifest and files (path → bytes).

    Every file is read once into memory and hashed there, so what was verified is what
    is used (no second read a tamperer could race).
    """
    if not folder.is_dir():
        raise BundleRefused(f"bundle {folder} refused: not a folder")
    body = _read_limited(folder / MANIFEST, folder)
    try:
        signature = base64.b64decode((folder / SIGNATURE).read_bytes().strip(), validate=True)
    except (OSError, ValueError):
        raise BundleRefused(f"bundle {folder} refused: {SIGNATURE} missing or unreadable") from None
    try:
        manifest = json.loads(body)
    except ValueError:
        raise BundleRefused(f"bundle {folder} refused: {MANIFEST} is not JSON") from None
    if not isinstance(manifest, dict):
        raise BundleRefused(f"bundle {folder} refused: {MANIFEST} is not an object")
    signer = manifest.get("signer")
    if signer != fingerprint(trusted):
        raise BundleRefused(
            f"bundle {folder} refused: signed by unknown key {str(signer)[:16]}…, "
            f"the trusted key is {fingerprint(trusted)[:16]}…"
        )
    try:
        trusted.verify(signature, body)
    except InvalidSignature:
        raise BundleRefused(f"bundle {folder} refused: the manifest signature is invalid") from None
    if manifest.get("format") != bundle_format or manifest.get("version") != 1:
        raise BundleRefused(
            f"bundle {folder} refused: it is a {manifest.get('format')!r} bundle "
            f"version {manifest.get('version')!r}, expected {bundle_format!r} version 1"
        )
    return manifest, _verified_files(folder, manifest)


def _verified_files(folder: Path, manifest: dict[str, Any]) -> dict[str, bytes]:
    listed = manifest.get("files")
    if not isinstance(listed, dict):
        raise BundleRefused(f"bundle {folder} refused: the manifest lists no files")
    present = {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if not path.is_dir() and path.name not in (MANIFEST, SIGNATURE)
    }
    unlisted = sorted(present - set(listed))
    if unlisted:
        raise BundleRefused(f"bundle {folder} refused: {unlisted[0]} is not in the manifest")
    files: dict[str, bytes] = {}
    for relative, expected in sorted(listed.items()):
        path = folder / relative
        if ".." in Path(relative).parts or Path(relative).is_absolute() or path.is_symlink():
            raise BundleRefused(f"bundle {folder} refused: {relative!r} is not a plain path")
        if relative not in present:
            raise BundleRefused(f"bundle {folder} refused: {relative} is missing")
        data = path.read_bytes()
        if sha256_hex(data) != expected:
            raise BundleRefused(
                f"bundle {folder} refused: {relative} does not match its SHA-256 in the manifest"
            )
        files[relative] = data
    return files


def _read_limited(path: Path, folder: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_MANIFEST_BYTES + 1)
    except OSError:
        raise BundleRefused(f"bundle {folder} refused: {MANIFEST} missing or unreadable") from None
    if len(data) > MAX_MANIFEST_BYTES:
        raise BundleRefused(f"bundle {folder} refused: {MANIFEST} is too large")
    return data
