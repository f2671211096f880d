"""Walk a folder source: every file, in a fixed order, without following links.

The walk streams: one ``os.scandir`` listing per open directory, sorted by name so two
runs over the same folder list files in the same order. Symbolic links are never
followed (a link can point anywhere, or make a loop); each is refused with where it
points. Each file's first bytes are read once, to sniff its type and to learn early
whether it can be read at all.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from vidi.sources.base import Entry, Refused
from vidi.sources.names import encode_name
from vidi.sources.sniff import SNIFF_BYTES, sniff
from vidi.sources.streams import open_noatime


def walk_folder(root: Path) -> Iterator[Entry | Refused]:
    """Every file under ``root`` as an Entry (path relative to root), or a Refused."""
    try:
        first = _listing(root)
    except OSError as error:
        yield Refused("", (), "unreadable", f"cannot list the folder: {error.strerror or error}")
        return
    stack: list[tuple[str, Iterator[os.DirEntry[str]]]] = [("", iter(first))]
    while stack:
        prefix, items = stack[-1]
        item = next(items, None)
        if item is None:
            stack.pop()
            continue
        relative = prefix + encode_name(item.name)
        try:
            is_link = item.is_symlink()
            is_dir = not is_link and item.is_dir(follow_symlinks=False)
        except OSError as error:
            yield Refused(relative, (), "unreadable", str(error.strerror or error))
            continue
        if is_link:
            yield _link_refusal(root, item, relative)
        elif is_dir:
            try:
                stack.append((relative + "/", iter(_listing(Path(item.path)))))
            except OSError as error:
                detail = f"cannot list the folder: {error.strerror or error}"
                yield Refused(relative, (), "unreadable", detail)
        else:
            yield file_entry(Path(item.path), relative)


def _listing(folder: Path) -> list[os.DirEntry[str]]:
    with os.scandir(folder) as items:
        return sorted(items, key=lambda item: item.name)


def file_entry(disk_path: Path, relative: str) -> Entry | Refused:
    """A regular file as an Entry with its sniffed type; anything else refused."""
    try:
        info = disk_path.stat(follow_symlinks=False)
    except OSError as error:
        return Refused(relative, (), "unreadable", str(error.strerror or error))
    if not stat.S_ISREG(info.st_mode):
        return Refused(relative, (), "special-file", "device, FIFO, socket or other non-file")
    try:
        with open_noatime(disk_path) as stream:
            head = stream.read(SNIFF_BYTES)
    except OSError as error:
        return Refused(relative, (), "unreadable", str(error.strerror or error))
    return Entry(relative, (), info.st_size, disk_path=disk_path, file_type=sniff(head))


def _link_refusal(root: Path, item: os.DirEntry[str], relative: str) -> Refused:
    """A symbolic link, refused; the detail says where it points and whether that is inside."""
    try:
        target = os.readlink(item.path)
    except OSError as error:
        return Refused(relative, (), "symlink", f"unreadable link: {error.strerror or error}")
    resolved = os.path.realpath(os.path.join(os.path.dirname(item.path), target))
    base = os.path.realpath(root)
    inside = os.path.commonpath([base, resolved]) == base
    where = "inside the source; the target is listed on its own" if inside else "outside the source"
    return Refused(relative, (), "symlink", f"link to {encode_name(target)!r} ({where})")
