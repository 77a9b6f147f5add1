"""Rerun in Docker: one image per rebuild plan, and the ``docker run`` that runs it.

The image is built once per plan digest and found by its tag. The ``docker run`` mounts the
code read-only, the data read-only and the folders the command writes read-write.
The image is ``drift rebuild``'s (its Dockerfile, hashed lock and recorded variables); the
container runs as the caller's uid, so what it writes belongs to the caller.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from driftbom import atomic
from driftbom.model import Layer
from driftbom.properties import Prop
from driftbom.rebuilder import build, dockerfile, runmd
from driftbom.rebuilder.resolve import resolve
from driftbom.reproduce.venvs import plan_digest
from driftbom.reproduce.verify import leaves_code
from driftbom.safetext import has_unsafe, visible

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from driftbom.model import Component, Snapshot
    from driftbom.rebuilder.plan import BuildPlan


def image_tag(plan: BuildPlan) -> str:
    """Return the tag of the plan's image: ``drift-reproduce:<plan digest>``."""
    return f"drift-reproduce:{plan_digest(plan)[:24]}"


def _exists(tag: str) -> bool:
    try:
        build.client().images.get(tag)
    except Exception:  # noqa: BLE001 - not found, or not readable: built again
        return False
    return True


def ensure(plan: BuildPlan, progress: Callable[[str], None]) -> tuple[str, bool]:
    """Return the plan's image tag, and whether it was built now; raises RebuildError."""
    tag = image_tag(plan)
    if _exists(tag):
        return tag, False
    if not plan.fully_hashed:
        plan = resolve(plan)
    with tempfile.TemporaryDirectory() as folder:
        atomic.write_folder(Path(folder) / "context", dockerfile.context(plan))
        build.build(Path(folder) / "context", tag, progress)
    return tag, True


def _relative_folder(path: str) -> str | None:
    """Return the folder of a relative path inside the code (``.`` for its root), else None."""
    if posixpath.isabs(path) or leaves_code(path):
        return None
    return posixpath.dirname(posixpath.normpath(path)) or "."


def writable(snapshot: Snapshot, metrics: Path | None) -> list[str]:
    """Return the folders in the code the command writes: its models' and metrics' folders."""
    paths = [c.prop(Prop.MODEL_PATH) for c in snapshot.by_layer(Layer.MODELS)]
    paths.append(str(metrics) if metrics is not None else None)
    folders = {_relative_folder(p) for p in paths if p}
    return sorted(f for f in folders if f is not None)


def data_mounts(
    snapshot: Snapshot, places: Mapping[str, Path | str], code: Path
) -> list[tuple[str, str]]:
    """Return (host path, container path) of each dataset outside the code folder."""
    mounts = []
    for comp in snapshot.by_layer(Layer.DATASETS):
        place, recorded = places.get(comp.name), comp.prop(Prop.DATASET_PATH) or ""
        if not isinstance(place, Path) or place.resolve().is_relative_to(code):
            continue  # in the code folder (mounted with it), or read from object storage
        mounts.append((str(place.resolve()), posixpath.join(runmd.CODE, recorded)))
    return mounts


def problems(
    snapshot: Snapshot, places: Mapping[str, Path | str], code: Path, folders: list[str]
) -> list[str]:
    """Return why a mount cannot be given to ``docker run -v``.

    A ``:`` or a control character in either path, or a target that would cover the
    image's own folders.
    """
    pairs = [(str(code), runmd.CODE), *data_mounts(snapshot, places, code)]
    pairs += [(str(code / f), f"{runmd.CODE}/{f}") for f in folders if f != "."]
    found = []
    for source, target in pairs:
        if any(":" in p or has_unsafe(p) for p in (source, target)):
            why = "cannot be mounted with -v (a ':' or a control character)"
            found.append(f"docker: {visible(source)!r} {why}")
        elif not runmd.in_code(target) and runmd.covers_image(target):
            why = "would cover the image's own folders"
            found.append(f"docker: a mount at {visible(target)!r} {why}")
    return found


def argv(
    snapshot: Snapshot,
    tag: str,
    code: Path,
    places: Mapping[str, Path | str],
    folders: list[str],
    words: list[str],
) -> list[str]:
    """Return the ``docker run`` argv: code read-only unless written at its root, outputs rw."""
    mode = "" if "." in folders else ":ro"
    line = ["docker", "run", "--rm", "--user", f"{os.getuid()}:{os.getgid()}", "-e", "HOME=/tmp"]
    line += ["-v", f"{code}:{runmd.CODE}{mode}", "-w", runmd.CODE]
    for folder in folders:
        if folder != ".":
            line += ["-v", f"{code / folder}:{runmd.CODE}/{folder}"]
    for source, target in data_mounts(snapshot, places, code):
        line += ["-v", f"{source}:{posixpath.normpath(target)}:ro"]
    if any(c.layer is Layer.GPU for c in snapshot.components) and shutil.which("nvidia-smi"):
        line += ["--gpus", "all"]
    return [*line, tag, *words]


def environment(tag: str, name: str) -> tuple[Component, ...]:
    """Return the image's interpreter and packages, snapshotted inside it."""
    return build.snapshot_image(tag, name).components
