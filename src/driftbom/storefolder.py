"""A local store's folder: this user's alone, and no link followed inside it.

The cache's rules, for the store: its folder and every folder of its layout must belong to
this user and be writable by no one else (group or others), so nobody else can plant or
swap a file between a check and its use; and nothing inside the layout may be a symbolic
link (a ``baselines`` link would have a baseline written through it to another folder). The
store's own folder may be a link that its owner made (a store on another disk): the folder
it leads to is checked.
"""

from __future__ import annotations

import contextlib
import os
import stat
from typing import TYPE_CHECKING

from driftbom.errors import StoreError

if TYPE_CHECKING:
    from pathlib import Path

FOLDER_MODE = 0o755


def _problem(info: os.stat_result) -> str | None:
    """Return what makes a folder unsafe to use as part of a store, or None."""
    if not stat.S_ISDIR(info.st_mode):
        return "is not a folder"
    if info.st_uid != os.getuid():
        return f"is owned by uid {info.st_uid}, not this user (uid {os.getuid()})"
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return "is writable by group or others (chmod go-w)"
    return None


def check_root(root: Path) -> None:
    """Refuse the store ``root`` unless it is this user's folder, or not made yet.

    Raises StoreError naming it.
    """
    try:
        info = os.stat(root)  # noqa: PTH116 - the owner's own link to it is followed
    except FileNotFoundError:
        return
    except OSError as exc:
        raise StoreError(f"the store {root}: {exc.strerror}") from None
    problem = _problem(info)
    if problem is not None:
        raise StoreError(f"the store {root} {problem}: not used")


def inside(root: Path, *parts: str, create: bool = False) -> Path:
    """Return ``root/parts`` once no part of it is a link and every folder on the way is safe.

    ``create`` makes the missing folders (``0755``), the last part excepted. A path whose
    folders do not exist yet is returned as it is. Raises StoreError naming the part at fault.
    """
    if create and not os.path.lexists(root):
        root.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            root.mkdir(mode=FOLDER_MODE)
    check_root(root)
    path = root
    for index, part in enumerate(parts):
        path /= part
        last = index == len(parts) - 1
        if create and not last:
            with contextlib.suppress(FileExistsError):
                path.mkdir(mode=FOLDER_MODE)
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return root.joinpath(*parts)
        except OSError as exc:
            raise StoreError(f"the store {root}: {'/'.join(parts[: index + 1])}: {exc}") from None
        where = "/".join(parts[: index + 1])
        if stat.S_ISLNK(info.st_mode):
            raise StoreError(f"the store {root}: {where} is a symbolic link (a store follows none)")
        problem = _problem(info) if not last or stat.S_ISDIR(info.st_mode) else None
        if problem is not None:
            raise StoreError(f"the store {root}: {where} {problem}")
    return path


def listing(folder: Path, root: Path) -> list[str]:
    """Return the names in ``folder`` (a checked one), a subfolder's ending in ``/``.

    A link in it to a folder is refused (raises, naming it); a link to anything else is
    listed as a file, which ``inside`` refuses when it is read.
    """
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise StoreError(f"the store {root}: {folder.name}: {exc.strerror}") from None
    links = [e.name for e in entries if e.is_symlink() and e.is_dir()]
    if links:
        raise StoreError(
            f"the store {root}: {folder.name}/{links[0][:128]!r} is a symbolic link "
            "(a store follows none)"
        )
    return [e.name + "/" if e.is_dir(follow_symlinks=False) else e.name for e in entries]
