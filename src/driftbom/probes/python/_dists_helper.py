"""Run by a target interpreter (in an image, say): dump its installed distributions' metadata.

Standard library only, CPython >= 3.8, sent as ``python -I -S -c`` source with the
directories to list as arguments (the ``path`` of the interpreter helper's answer). driftbom reads the
output exactly as it reads dist-info folders on this machine.
"""

import hashlib
import json
import os
import stat
import sys


_LIMIT = 16 * 1024 * 1024


def _read(path):  # type: (str) -> str | None
    data = _read_bytes(path)
    return None if data is None else data.decode("utf-8", "replace")


def _read_bytes(path):  # type: (str) -> bytes | None
    """Return a regular file's bytes (at most 16 MiB), or None: a FIFO never blocks."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks, total = [], 0
        while total < _LIMIT:
            chunk = os.read(fd, _LIMIT - total)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _entry(location, name):  # type: (str, str) -> dict[str, object]
    path = os.path.join(location, name)
    egg = name.endswith(".egg-info")
    if not os.path.isdir(path):
        return {"location": location, "dir": name, "metadata": _read(path), "files": []}
    files = sorted(os.listdir(path))
    metadata = _read(os.path.join(path, "PKG-INFO" if egg else "METADATA"))
    record = None
    data = _read_bytes(os.path.join(path, "RECORD")) if "RECORD" in files else None
    if data is not None:
        record = "sha256:" + hashlib.sha256(data).hexdigest()
    return {
        "location": location,
        "dir": name,
        "files": files,
        "metadata": (metadata or "").partition("\n\n")[0] if metadata is not None else None,
        "direct_url": _read(os.path.join(path, "direct_url.json")),
        "installer": _read(os.path.join(path, "INSTALLER")),
        "requires_txt": _read(os.path.join(path, "requires.txt")) if egg else None,
        "wheel": _read(os.path.join(path, "WHEEL")) if "WHEEL" in files else None,
        "record_digest": record,
    }


def main():  # type: () -> None
    found = []
    for location in sys.argv[1:]:  # the path the interpreter helper worked out
        try:
            names = sorted(os.listdir(location or "."))
        except OSError:
            continue
        found += [_entry(location, n) for n in names if n.endswith((".dist-info", ".egg-info"))]
    sys.stdout.write(json.dumps(found) + "\n")


main()
