"""The rebuild pipeline: plan, resolve hashes, write the folder, then build and verify."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING, NamedTuple

from driftbom import atomic
from driftbom.comparator.severity import Severity
from driftbom.errors import RebuildError
from driftbom.rebuilder import dockerfile, runmd
from driftbom.rebuilder import plan as plans
from driftbom.rebuilder.resolve import resolve

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from driftbom.comparator.report import DriftReport
    from driftbom.model import Snapshot

log = logging.getLogger(__name__)


class RebuildOptions(NamedTuple):
    """What to make of an SBOM, beyond the folder of files."""

    base_image: str | None = None
    skip_unreproducible: bool = False
    system_packages: tuple[str, ...] = ()
    resolve: bool = True
    """Ask the index for hashes the SBOM lacks; False pins without them (unverified)."""
    build: bool = False
    tag: str | None = None
    verify: bool = False
    """Snapshot what was built (the image, or ``venv``) and check it against the SBOM."""
    venv: Path | None = None
    """Install into this virtualenv instead of building an image."""
    index_url: str | None = None
    """Replaces the recorded indexes; credentials come from ``~/.netrc``."""
    extra_index_urls: tuple[str, ...] = ()
    fail_on: Severity = Severity.INFO
    """The verification fails on a change of this severity or above (default: any)."""


class Rebuilt(NamedTuple):
    """What a rebuild made."""

    plan: plans.BuildPlan
    image: str | None = None
    """The tag of the image built, if one was."""
    report: DriftReport | None = None
    """The verification, when asked for."""


def _every_second(progress: Callable[[str], None]) -> Callable[[int, int], None]:
    last = [0.0]

    def report(done: int, total: int) -> None:
        now = time.monotonic()
        if done == total or now - last[0] >= 1:
            last[0] = now
            progress(f"hashes: {done}/{total}")

    return report


def _planned(
    snapshot: Snapshot, digest: str, options: RebuildOptions, progress: Callable[[str], None]
) -> plans.BuildPlan:
    plan_options = plans.PlanOptions(
        base_image=options.base_image,
        skip_unreproducible=options.skip_unreproducible,
        system_packages=options.system_packages,
        no_resolve=not options.resolve,
        index_url=options.index_url,
        extra_index_urls=options.extra_index_urls,
    )
    the_plan = plans.plan(snapshot, digest, plan_options)
    if not options.resolve and not the_plan.fully_hashed:
        unhashed = sum(1 for p in the_plan.pins if not p.hashes)
        log.warning("%d pins have no hashes; pip cannot verify what it installs", unhashed)
    elif not the_plan.fully_hashed:
        the_plan = resolve(the_plan, _every_second(progress))
    for item in the_plan.not_reproduced:
        log.warning("not reproduced: %s", item)
    return the_plan


def run(
    snapshot: Snapshot,
    digest: str,
    output: Path,
    options: RebuildOptions,
    progress: Callable[[str], None] = lambda _line: None,
    build_log: Callable[[str], None] = lambda _line: None,
) -> Rebuilt:
    """Write ``output`` (Dockerfile, requirements.lock, .dockerignore, RUN.md), build, verify.

    ``digest`` is the SBOM's ``sha256:``; ``progress`` receives each step done, ``build_log``
    each line the image build prints.
    Raises RebuildError (or UsageError for ``output``) with nothing half-written.
    """
    the_plan = _planned(snapshot, digest, options, progress)
    if the_plan.base_requested and options.venv is None and (options.build or options.verify):
        the_plan = replace(the_plan, base_python=_base_python(the_plan.base_image))
    image = options.tag or f"drift-rebuild:{digest.removeprefix('sha256:')[:12]}"
    atomic.write_folder(
        output,
        {**dockerfile.context(the_plan), "RUN.md": runmd.render(snapshot, image, str(output))},
    )
    progress(
        f"wrote {output}/Dockerfile, requirements.lock ({len(the_plan.pins)} pins) and RUN.md "
        "(how to run the recorded command in the image)"
    )
    rebuilt, built = None, None
    if options.venv is not None:
        from driftbom.rebuilder import venv  # noqa: PLC0415 - the snapshotter, only for --venv

        python = venv.build_venv(the_plan, output, options.venv)
        progress(f"built {options.venv}")
        if options.verify:
            rebuilt = venv.snapshot_venv(python, f"venv {options.venv}")
    elif options.build or options.verify:
        from driftbom.rebuilder import build  # noqa: PLC0415 - the snapshotter, for --build

        built = image
        build.build(output, image, build_log)
        progress(f"built image {image}{_interpreter_note(the_plan, build.python_version(image))}")
        rebuilt = build.snapshot_image(image, image) if options.verify else None
    if rebuilt is None:
        return Rebuilt(the_plan, built)
    from driftbom.rebuilder.verify import verify  # noqa: PLC0415 - the comparator, for --verify

    return Rebuilt(
        the_plan, built, verify(snapshot, rebuilt, the_plan.left_out, fail_on=options.fail_on)
    )


def _base_python(image: str) -> str | None:
    """Return the interpreter version of a requested base image, or None (the build says why)."""
    from driftbom.rebuilder import build  # noqa: PLC0415 - the snapshotter, for --build

    try:
        return build.python_version(image)
    except RebuildError as exc:
        log.info("cannot ask %s for its Python before the build: %s", image, exc)
        return None


def _interpreter_note(plan: plans.BuildPlan, built: str) -> str:
    if built == plan.python_version:
        return f" (Python {built})"
    log.warning("the image's Python is %s; the SBOM recorded %s", built, plan.python_version)
    return f" (Python {built}, not the recorded {plan.python_version})"
