"""Reading files that a linted repository controls, without hanging, following links out, or reading gigabytes.

A repository can hold a FIFO or a device where a file is expected (opening one for reading blocks until a writer
comes), a symlink to a file elsewhere on the machine, or a file far larger than any source or configuration.
:func:`read_regular` opens without blocking, reads only regular files, optionally refuses symlinks, and stops at a
size limit; :func:`inside` tells whether a path really lies inside a folder once links are resolved.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class NotRegularFile(OSError):
    """Not a regular file (a FIFO, a device, a folder), a symlink where none is allowed, or too large."""


def read_regular(path: str | os.PathLike[str], limit: int | None = None, follow_symlinks: bool = True) -> bytes:
    """The bytes of the regular file at ``path`` (at most ``limit`` of them).

    Raises :class:`OSError`: :class:`NotRegularFile` for a FIFO, a device, a symlink when ``follow_symlinks``
    is false, or a file over ``limit`` (which is then not read at all)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow_symlinks:
            raise NotRegularFile(errno.ELOOP, "a symlink, not followed") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegularFile(errno.EINVAL, "not a regular file")
        if limit is not None and info.st_size > limit:
            raise NotRegularFile(errno.EFBIG, f"larger than {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, 1 << 20 if limit is None else min(1 << 20, limit + 1 - size))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
            if limit is not None and size > limit:  # it grew while being read
                raise NotRegularFile(errno.EFBIG, f"larger than {limit} bytes")
    finally:
        os.close(fd)


def inside(path: Path, folder: Path) -> bool:
    """Does ``path``, with every symlink resolved, lie inside ``folder`` (also resolved)?"""
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
    except ValueError:
        return False
    return True


__all__ = ["NotRegularFile", "read_regular", "inside"]
