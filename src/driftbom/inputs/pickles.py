"""A pickle-based model's load safety: what its pickles would import, read, never loaded.

picklescan (a maintained, opcode-level scanner) reads every pickle in a file: each member of
a PyTorch zip archive (not only its ``data.pkl``) and the stream of a legacy ``torch.save``
or a ``.pkl``/``.joblib`` file. It runs in a child process with a memory cap and a timeout:
a hostile pickle of a billion opcodes costs that process, never drift. Each import the
pickles would make is judged against picklescan's allow-list (torch storages, tensor
rebuilders, numpy arrays, ``collections.OrderedDict``) and its deny-list (``os``,
``subprocess``, ``builtins.eval``, ``posix.system``...).

The verdict: ``safe`` (only allowed imports), ``unsafe`` (a denied one, named), ``review``
(an import on neither list, named), ``unknown`` (the scan failed or ran out of time or
memory). Results are kept in the stat-keyed cache: an unchanged file is not scanned again.
"""

from __future__ import annotations

import contextlib
import sys
from typing import TYPE_CHECKING, NamedTuple

import orjson

from driftbom import bounded
from driftbom.probes._cache import StatCache, file_stamp

if TYPE_CHECKING:
    from collections.abc import Iterable
    from pathlib import Path

TIMEOUT_S = 60.0
MEMORY_LIMIT = 1024 * bounded.MiB
MAX_IMPORTS = 64
"""Imports named in the record; the count of the rest follows."""
_SCRIPT = """
import json, logging, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
logging.disable(logging.CRITICAL)
from picklescan.scanner import scan_file_path
result = scan_file_path(sys.argv[1])
found = sorted({(g.module, g.name, g.safety.value) for g in result.globals})
print(json.dumps({"imports": found, "failed": bool(result.scan_err)}))
"""
_RANK = {"safe": 0, "review": 1, "unknown": 2, "unsafe": 3}


class Safety(NamedTuple):
    """A file's (or a model's) load safety and the imports that decided it."""

    verdict: str
    imports: tuple[str, ...] = ()
    """``module.name`` of each denied import (``unsafe``) or unlisted one (``review``)."""


def _judged(answer: object) -> Safety:
    if not isinstance(answer, dict) or not isinstance(answer.get("imports"), list):
        return Safety("unknown")
    denied, unlisted = [], []
    for item in answer["imports"]:
        if not (
            isinstance(item, list) and len(item) == 3 and all(isinstance(i, str) for i in item)
        ):
            return Safety("unknown")
        module, name, level = item
        if level == "dangerous":
            denied.append(f"{module}.{name}")
        elif level != "innocuous":
            unlisted.append(f"{module}.{name}")
    if denied:
        return Safety("unsafe", tuple(denied))
    if answer.get("failed"):
        return Safety("unknown")
    return Safety("review", tuple(unlisted)) if unlisted else Safety("safe")


def scan(path: Path) -> Safety:
    """Return the load safety of the pickle-based file ``path`` (nothing in it is run)."""
    argv = [sys.executable, "-I", "-c", _SCRIPT, str(path), str(MEMORY_LIMIT)]
    with contextlib.suppress(bounded.ProcessFailedError, orjson.JSONDecodeError):
        done = bounded.run(argv, timeout=TIMEOUT_S, limit=bounded.MiB, env={})
        if done.returncode == 0:
            return _judged(orjson.loads(done.stdout))
    return Safety("unknown")


def scanned(paths: Iterable[Path], cache_dir: Path | None) -> Safety:
    """Return the load safety of a model's pickle-based files, the worst of them."""
    worst = Safety("safe")
    names: list[str] = []
    for path in paths:
        resolved = str(path.resolve())
        cache = StatCache(cache_dir, "pickle-safety", resolved)
        stamp = file_stamp("", resolved)
        hit = cache.get("scan", [stamp]) if stamp is not None else None
        found = Safety(hit[0], tuple(hit[1])) if hit is not None and _valid(hit) else scan(path)
        if stamp is not None and found.verdict != "unknown":
            cache.put("scan", [stamp], [found.verdict, list(found.imports)])
            cache.save()
        if _RANK[found.verdict] > _RANK[worst.verdict]:
            worst, names = found, list(found.imports)
        elif found.verdict == worst.verdict:
            names += found.imports
    return Safety(worst.verdict, tuple(sorted(set(names))))


def _valid(hit: object) -> bool:
    return (
        isinstance(hit, list)
        and len(hit) == 2
        and hit[0] in _RANK
        and isinstance(hit[1], list)
        and all(isinstance(i, str) for i in hit[1])
    )
