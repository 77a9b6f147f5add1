"""Build a rebuild folder through the Docker Engine API, and snapshot the image it made."""

from __future__ import annotations

import json
import logging
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from driftbom.errors import RebuildError
from driftbom.probes.python import distributions
from driftbom.probes.python.interpreter import Interpreter
from driftbom.snapshotter import python_only

if TYPE_CHECKING:
    from collections.abc import Callable

    from driftbom.model import Snapshot

log = logging.getLogger(__name__)
_PROBES = Path(__file__).resolve().parent.parent / "probes" / "python"
LOG_TAIL = 12


def client() -> Any:
    """Return a Docker client; raises RebuildError when no engine answers."""
    import docker  # noqa: PLC0415 - heavy, and only for --build/--verify

    try:
        engine = docker.from_env(timeout=600)
        engine.ping()
    except Exception as exc:
        raise RebuildError(
            f"no Docker Engine answers ({type(exc).__name__}: {str(exc)[:160]})"
        ) from exc
    return engine


def build(folder: Path, tag: str, progress: Callable[[str], None]) -> str:
    """Build ``folder`` as ``tag``, streaming progress; return the image id.

    Raises RebuildError with the last lines of the build log when the build fails.
    """
    engine = client()
    tail: deque[str] = deque(maxlen=LOG_TAIL)
    image_id, failed = None, False
    try:
        for chunk in engine.api.build(
            path=str(folder), tag=tag, rm=True, forcerm=True, decode=True
        ):
            if "stream" in chunk:
                for line in str(chunk["stream"]).splitlines():
                    if line.strip():
                        tail.append(line)
                        progress(line)
            if "error" in chunk:
                tail.append(str(chunk["error"]).strip())
                failed = True
                break
            if "aux" in chunk and isinstance(chunk["aux"], dict) and "ID" in chunk["aux"]:
                image_id = str(chunk["aux"]["ID"])
    except Exception as exc:
        tail.append(str(exc).strip())
        raise RebuildError("docker build failed: " + " | ".join(tail)) from exc
    if failed:
        raise RebuildError("docker build failed: " + " | ".join(tail))
    if image_id is None:
        try:
            image_id = str(engine.images.get(tag).id)
        except Exception as exc:  # the build said nothing and left no image
            raise RebuildError("docker build failed: " + " | ".join([*tail, str(exc)])) from exc
    return image_id


def _run_python(engine: Any, image: str, source: str, *args: str) -> Any:
    for python in ("python", "python3"):
        try:
            output = engine.containers.run(
                image,
                [python, "-I", "-S", "-c", source, *args],  # nothing of the image's site runs
                remove=True,
                stdout=True,
                stderr=False,
                network_disabled=True,
            )
        except Exception as exc:  # noqa: BLE001
            last = str(exc)
            continue
        try:
            return json.loads(output)
        except ValueError as exc:
            raise RebuildError(f"{image}: the probe's answer is not JSON") from exc
    raise RebuildError(f"{image}: cannot run python in the image ({last[:200]})")


def python_version(image: str) -> str:
    """Return the ``X.Y.Z`` of the interpreter the image's ``python`` runs."""
    answer = _run_python(client(), image, _VERSION_SOURCE)
    if not isinstance(answer, str) or len(answer) > 32:
        raise RebuildError(f"{image}: the interpreter's version is malformed")
    return answer


_VERSION_SOURCE = "import json, platform; print(json.dumps(platform.python_version()))"


def snapshot_image(image: str, name: str) -> Snapshot:
    """Snapshot the Python layers of ``image`` with stdlib-only probes (no driftbom inside)."""
    engine = client()
    answer = _run_python(engine, image, (_PROBES / "_helper.py").read_text())
    try:
        interp = Interpreter.from_json(answer)
    except ValueError as exc:
        raise RebuildError(f"{image}: the probe's answer is malformed ({exc})") from exc
    dump = _run_python(engine, image, (_PROBES / "_dists_helper.py").read_text(), *interp.path)
    dists, notes = distributions.first_wins(distributions.from_dump(entry) for entry in dump)
    for note in notes:
        log.warning("%s: %s", image, note)
    return python_only(name, interp, dists)
