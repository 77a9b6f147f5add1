"""Run by a target interpreter (in an image, say): dump its installed distributions' metadata.

Standard library only, CPython >= 3.8, sent as ``python -I -S -c`` source with the
directories to list as arguments (the ``path`` of the interpreter helper's answer). driftbom reads the
output exactly as it reads dist-info folders on this machine.
"""

import hashlib
import json
import os
import sys


_LIMIT = 16 * 1024 * 1024


def _read(path):  # type: (str) -> str | None
    try:
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as handle:
            return handle.read(_LIMIT).decode("utf-8", "replace")
    except OSError:
        return None


def _entry(location, name):  # type: (str, str) -> dict[str, object]
    path = os.path.join(location, name)
    egg = name.endswith(".egg-info")
    if not os.path.isdir(path):
        return {"location": location, "dir": name, "metadata": _read(path), "files": []}
    files = sorted(os.listdir(path))
    metadata = _read(os.path.join(path, "PKG-INFO" if egg else "METADATA"))
    record = None
    if "RECORD" in files:
        with open(os.path.join(path, "RECORD"), "rb") as handle:
            record = "sha256:" + hashlib.sha256(handle.read(_LIMIT)).hexdigest()
    return {
        "location": location,
        "dir": name,
        "files": files,
        "metadata": (metadata or "").partition("\n\n")[0] if metadata is not None else None,
        "direct_url": _read(os.path.join(path, "direct_url.json")),
        "installer": _read(os.path.join(path, "INSTALLER")),
        "requires_txt": _read(os.path.join(path, "requires.txt")) if egg else None,
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
