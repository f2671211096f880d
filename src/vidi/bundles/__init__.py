"""The bundle formats shared by the workbench and the public portal.

A bundle is the only thing that crosses the boundary between case data and the public:
publication bundles go out (approved crops and their public texts), tip bundles come back.
Both are folders with a manifest that lists the SHA-256 of every file, signed with Ed25519.
This package imports only the standard library and ``cryptography``, so both sides (and
the portal, which must never import the case store) can use it.
"""

from vidi.bundles.publication import (
    ObjectText,
    ObjectType,
    Publication,
    PublishedObject,
    read_publication_bundle,
    write_publication_bundle,
)
from vidi.bundles.signing import BundleRefused, SigningKey, load_trusted_key
from vidi.bundles.tips import Tip, read_tips_bundle, write_tips_bundle

__all__ = [
    "BundleRefused",
    "ObjectText",
    "ObjectType",
    "Publication",
    "PublishedObject",
    "SigningKey",
    "Tip",
    "load_trusted_key",
    "read_publication_bundle",
    "read_tips_bundle",
    "write_publication_bundle",
    "write_tips_bundle",
]
