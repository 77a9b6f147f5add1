"""driftbom: an SBOM for AI that records, compares and rebuilds ML environments.

The Python API (docs/api.md)::

    import driftbom

    reference = driftbom.read("drift.cdx.json")
    report = driftbom.compare(reference, driftbom.snapshot())
    if report.failed:
        ...

Each function raises :class:`driftbom.errors.DriftError` (a subclass per layer) for bad
input; nothing here prints or exits.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from driftbom.errors import DriftError, Input, SbomError, UsageError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from driftbom.comparator.policy import Policy
    from driftbom.comparator.report import DriftReport
    from driftbom.comparator.severity import Severity
    from driftbom.model import Snapshot
    from driftbom.rebuilder.run import RebuildOptions, Rebuilt
    from driftbom.signing.trust import TrustPolicy
    from driftbom.tracking import Run, track

from driftbom._version import __version__

__all__ = [
    "Component",
    "DriftError",
    "DriftReport",
    "Policy",
    "RebuildOptions",
    "Rebuilt",
    "Run",
    "Severity",
    "Snapshot",
    "__version__",
    "check",
    "compare",
    "read",
    "rebuild",
    "snapshot",
    "track",
    "write",
]


def __getattr__(name: str) -> Any:
    """Return one of the API's types, imported when first named (not on ``--help``'s path)."""
    found: Any
    if name in ("Component", "Snapshot"):
        from driftbom import model as found  # noqa: PLC0415
    elif name == "DriftReport":
        from driftbom.comparator import report as found  # noqa: PLC0415
    elif name == "Policy":
        from driftbom.comparator import policy as found  # noqa: PLC0415
    elif name == "Severity":
        from driftbom.comparator import severity as found  # noqa: PLC0415
    elif name in ("RebuildOptions", "Rebuilt"):
        from driftbom.rebuilder import run as found  # noqa: PLC0415
    elif name in ("Run", "track"):  # track(): typed in driftbom.tracking, documented in api.md
        from driftbom import tracking as found  # noqa: PLC0415
    else:
        raise AttributeError(f"module 'driftbom' has no attribute {name!r}")
    return getattr(found, name)


def snapshot(
    python: str | None = None,
    *,
    name: str | None = None,
    lock: Path | None = None,
    cache: bool = True,
    params: Mapping[str, Any] | None = None,
    phase: str | None = None,
    datasets: Mapping[str, str | Path] | None = None,
    models: Mapping[str, str | Path] | None = None,
) -> Snapshot:
    """Record this machine and the Python environment of ``python``.

    ``python`` defaults to the active virtualenv's interpreter, else the project's
    ``.venv``, else ``python`` on PATH, else the running one; ``lock`` to the lockfile found
    in the working directory. ``params`` (JSON data, nested) are the run's hyperparameters;
    ``phase`` its lifecycle phase (``training``, ``build``...); ``datasets`` and ``models``
    map names to the files or folders to hash. Returns the Snapshot; raises ProbeError when the
    interpreter, ``lock``, ``params`` or a dataset is unusable, UsageError for an unknown
    phase.
    """
    from driftbom.inputs.datasets import places  # noqa: PLC0415
    from driftbom.inputs.params import normalized  # noqa: PLC0415
    from driftbom.probes.interface import Request  # noqa: PLC0415
    from driftbom.snapshotter import SnapshotOptions, default_context, take  # noqa: PLC0415

    request = Request(
        python=python,
        lock=lock,
        params=normalized(dict(params), "params") if params is not None else None,
        phase=phase,
        datasets=places(datasets),
        models=places(models, Input.MODEL),
    )
    return take(SnapshotOptions(name, request, default_context(cache=cache)))


def read(path: str | Path, *, store: str | None = None) -> Snapshot:
    """Return the Snapshot a document describes, its format found by sniffing.

    CycloneDX (ours or another tool's), or a registered codec's (``driftbom.sbom.codecs``).

    ``path`` may also name a stored document (``NAME@baseline``, ``NAME@latest``, ...) of
    ``store`` (default: ``$DRIFT_STORE``, else ``./.drift/store``). Raises SbomError when
    the file is unreadable, not JSON or not CycloneDX 1.4 to 1.7, StoreError for a stored
    one that is missing or corrupt.
    """
    from driftbom.store.documents import located  # noqa: PLC0415

    return located(path, store).parsed()


def write(snapshot: Snapshot, path: str | Path | None = None, *, store: str | None = None) -> bytes:
    """Return the CycloneDX 1.6 document of ``snapshot``, and write it to ``path`` if given.

    A ``path`` whose suffix is a registered codec's (see ``driftbom.sbom.codecs``) gets
    that codec's format instead.

    The document is validated first and written atomically. It is also stored under the
    snapshot's name in ``store`` (a folder or ``s3://bucket/prefix``), else in
    ``$DRIFT_STORE`` when that is set, as ``drift snapshot --store`` does. Raises SbomError
    when it is not valid in its format, UsageError when ``path`` cannot be written, StoreError
    when the store cannot be.
    """
    from driftbom import atomic  # noqa: PLC0415
    from driftbom.sbom.codecs import for_path  # noqa: PLC0415
    from driftbom.snapshotter import documented  # noqa: PLC0415

    recorded = documented(snapshot, for_path(None if path is None else Path(path)))
    if recorded.problems:
        problem = recorded.problems[0]
        raise SbomError(f"the snapshot is not valid {recorded.codec.name}: {problem}")
    if path is not None:
        from driftbom.sbom.sidecars import write_sidecars  # noqa: PLC0415

        atomic.write_file(Path(path), recorded.encoded)
        write_sidecars(snapshot, Path(path))
    from driftbom.summaries import put_if_asked  # noqa: PLC0415

    put_if_asked(snapshot, recorded.encoded, store)
    return recorded.encoded


def compare(
    reference: Snapshot,
    current: Snapshot,
    *,
    policy: Policy | str | Path | None = None,
    fail_on: Severity | str | None = None,
) -> DriftReport:
    """Return how far ``current`` drifted from ``reference``: changes, severities, a verdict.

    ``policy`` is a Policy or a policy TOML file (default: the built-in policy);
    ``fail_on`` overrides its threshold. ``report.failed`` is the verdict. Raises
    PolicyError for a bad policy, SbomError when there is nothing to compare.
    """
    from driftbom.comparator import check  # noqa: PLC0415
    from driftbom.comparator import policy as policies  # noqa: PLC0415
    from driftbom.comparator.severity import Severity  # noqa: PLC0415

    chosen = policies.load(Path(policy)) if isinstance(policy, (str, Path)) else policy
    threshold = Severity(fail_on) if isinstance(fail_on, str) else fail_on
    return check(reference, current, chosen, threshold)


def check(
    reference: str | Path,
    current: str | Path | None = None,
    *,
    python: str | None = None,
    policy: str | Path | None = None,
    fail_on: Severity | str | None = None,
    snapshotted: Callable[[Snapshot], object] | None = None,
    store: str | None = None,
) -> DriftReport:
    """Compare ``current`` (default: this environment) with ``reference``, as ``drift check``.

    ``python`` is the interpreter recorded when ``current`` is None, and ``snapshotted`` is
    then called with that snapshot (``drift check`` names it). The policy is the ``policy``
    TOML file, else ``[tool.drift]`` of ``./pyproject.toml``, else the built-in one. The
    reference is read before anything is snapshotted. Either may be a stored ``NAME@...``
    of ``store``, as for ``read``. Raises DriftError.
    """
    from driftbom.comparator import policy as policies  # noqa: PLC0415
    from driftbom.sbom import codecs  # noqa: PLC0415
    from driftbom.store.documents import located  # noqa: PLC0415

    chosen = policies.load(Path(policy) if policy else None, Path("pyproject.toml"))
    if current is not None:
        decode = codecs.decoder()  # components unchanged between the two are built once
        ref = located(reference, store).parsed(decode)
        cur = located(current, store).parsed(decode)
    else:
        ref, cur = located(reference, store).parsed(), snapshot(python)
        if snapshotted is not None:
            snapshotted(cur)
    return compare(ref, cur, policy=chosen, fail_on=fail_on)


def rebuild(
    sbom: str | Path,
    output: str | Path,
    options: RebuildOptions | None = None,
    *,
    require_signature: bool = False,
    trust: TrustPolicy | None = None,
) -> Rebuilt:
    """Write a Dockerfile, a hashed lock and .dockerignore recreating ``sbom`` into ``output``.

    ``options`` (``driftbom.rebuilder.run.RebuildOptions``) can ask to build the image, or a
    virtualenv, and verify it. Raises RebuildError for an SBOM that cannot be rebuilt safely.
    The signature is checked first (``driftbom.signing.records.gate``): with ``trust`` (see
    ``driftbom.signing.trust.policy_of``) the SBOM must be verified, and
    ``require_signature`` without ``trust`` is a UsageError; an envelope beside the SBOM
    that does not match it is refused always (UsageError, before anything is written).
    """
    from driftbom.hashes import sha256  # noqa: PLC0415
    from driftbom.probes._cache import default_dir  # noqa: PLC0415
    from driftbom.rebuilder.run import RebuildOptions, run  # noqa: PLC0415
    from driftbom.signing import records  # noqa: PLC0415

    if require_signature and trust is None:
        raise UsageError("give a public key, or a trust policy", what=Input.KEY)
    raw, recorded = records.load(Path(sbom))
    records.gate(Path(sbom), raw, recorded, trust, cache=default_dir(os.environ))
    digest = "sha256:" + sha256(raw).hexdigest()
    return run(recorded, digest, Path(output), options or RebuildOptions())
