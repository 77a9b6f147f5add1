"""Snapshot -> BuildPlan. Every value from the SBOM is validated here, before rendering."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from driftbom.errors import Input, RebuildError, Remedy
from driftbom.hashes import BY_CYCLONEDX_NAME, PIP_CAN_CHECK
from driftbom.model import Layer
from driftbom.probes.system.env_vars import allowed
from driftbom.properties import Prop
from driftbom.rebuilder import validate
from driftbom.rebuilder.cuda_image import cuda_base
from driftbom.rebuilder.index import PYPI, check_index
from driftbom.redact import REDACTED, looks_secret

if TYPE_CHECKING:
    from driftbom.model import Component, Snapshot

DEFAULT_CODENAME = "bookworm"
_LOCAL_INDEX = re.compile(r"\+(cu\d+|cpu|rocm\d+(?:\.\d+)*)$")
_TORCH_INDEX = "https://download.pytorch.org/whl/{}"
_RELEASE = re.compile(r"\d{1,3}\.\d{1,3}")
# Never set in the image, whatever the allow-list says (compared in upper case): what
# decides which code runs or where packages and data come from.
_NEVER_SET_PREFIXES = ("PIP_", "UV_", "LD_", "DYLD_")
_NEVER_SET = frozenset(
    {
        "PATH",
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONSTARTUP",
        "PYTHONUSERBASE",
        "PYTHONSAFEPATH",
        "PYTHONPLATLIBDIR",
        "PYTHONEXECUTABLE",
        "PYTHONDONTWRITEBYTECODE",
        "VIRTUAL_ENV",
    }
)
_NEVER_SET_SUFFIXES = ("_PROXY", "_ENDPOINT", "_URL", "_URI", "_HOST", "_HOME", "_DIR", "_PATH")


@dataclass(frozen=True)
class Pin:
    """One Python distribution to install."""

    name: str
    version: str
    hashes: tuple[str, ...] = ()
    """``sha256:<hex>`` entries for pip's ``--hash``."""
    url: str | None = None
    """An archive URL (``name @ url``), installed with its hash."""


@dataclass(frozen=True)
class VcsPin:
    """A distribution installed from version control at a recorded commit (cannot be hashed)."""

    name: str
    url: str
    commit: str

    @property
    def requirement(self) -> str:
        """Return the pip requirement, ``name @ git+https://...@commit``."""
        base = self.url if self.url.startswith("git+") else f"git+{self.url}"
        return f"{self.name} @ {base}@{self.commit}"


@dataclass(frozen=True)
class BuildPlan:
    """Everything the Dockerfile and the lock say, already validated."""

    sbom_name: str
    sbom_digest: str
    sbom_timestamp: str
    base_image: str
    python_version: str
    python_from_base: bool
    """False for an nvidia/cuda base: the exact Python is installed with a pinned uv."""
    pins: tuple[Pin, ...]
    vcs: tuple[VcsPin, ...] = ()
    index_urls: tuple[str, ...] = (PYPI,)
    """The indexes of every pin, in the order asked (the first is pip's ``--index-url``)."""
    extra_index_urls: tuple[str, ...] = ()
    """PyTorch's indexes, for pins with a local version label (``+cu121``) only."""
    system_packages: tuple[tuple[str, str], ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    not_reproduced: tuple[str, ...] = field(default=())
    left_out: tuple[str, ...] = ()
    """bom-refs of distributions the plan could not pin (``--skip-unreproducible``)."""
    base_requested: bool = False
    """``--base-image``: its own interpreter is used, whatever its version."""
    base_python: str | None = None
    """That interpreter's version, when the base image could be asked (``--build``)."""

    @property
    def fully_hashed(self) -> bool:
        """Return True when every pin carries at least one hash."""
        return all(pin.hashes for pin in self.pins)

    def indexes_for(self, pin: Pin) -> tuple[str, ...]:
        """Return the indexes that may serve ``pin``: PyTorch's for a local label, else ours."""
        local = _LOCAL_INDEX.search(pin.version)
        return (_TORCH_INDEX.format(local.group(1)),) if local else self.index_urls


@dataclass(frozen=True)
class PlanOptions:
    """What ``drift rebuild`` was asked for."""

    base_image: str | None = None
    skip_unreproducible: bool = False
    system_packages: tuple[str, ...] = ()
    no_resolve: bool = False
    """Allow pins without hashes (``--no-resolve``): pip then cannot verify them."""
    index_url: str | None = None
    """Replaces the recorded indexes (``--index-url``), with ``extra_index_urls`` after it."""
    extra_index_urls: tuple[str, ...] = ()


def _index_urls(snapshot: Snapshot, options: PlanOptions) -> tuple[tuple[str, ...], list[str]]:
    """Return the indexes to use, and notes on recorded ones left out.

    The asked ones, else the recorded https ones (the lockfile's and those pip and uv were
    configured with; PyPI last), else PyPI. No URL carries
    credentials: the SBOM's were removed when it was written and asked ones are refused;
    an index's credentials come from ``~/.netrc`` when it is read.
    """
    if options.index_url is not None or options.extra_index_urls:
        asked = [options.index_url or PYPI, *options.extra_index_urls]
        return tuple(dict.fromkeys(_checked_index(u, Input.INDEX_URL) for u in asked)), []
    recorded, refused = set(), []
    sources = [(c, c.props(Prop.LOCK_INDEX_URL)) for c in snapshot.by_layer(Layer.LOCKFILE)]
    python = snapshot.component("python")
    if python is not None:
        sources.append((python, python.props(Prop.PY_INDEX_URL)))
    for comp, urls in sources:
        for url in urls:
            try:
                recorded.add(_checked_index(url, comp.ref))
            except RebuildError as exc:  # noqa: PERF203 - one per recorded index
                refused.append(str(exc))
    ordered = tuple(sorted(recorded, key=lambda u: (u.rstrip("/") == PYPI.rstrip("/"), u)))
    used = ordered or (PYPI,)
    instead = ", ".join(used)
    return used, [
        f"{why}: a recorded index, left out; the pins come from {instead}" for why in refused
    ]


def _checked_index(url: str, source: Input | str) -> str:
    """Return an https index URL without credentials (~/.netrc holds those)."""
    if isinstance(source, Input):
        try:
            return check_index(validate.url("", url))
        except (ValueError, RebuildError) as exc:
            why = str(exc).removeprefix(": ")
            raise RebuildError(why, what=source, path=repr(url)) from None
    try:
        return check_index(validate.url(source, url))
    except ValueError as exc:
        raise RebuildError(f"{source}: {exc}") from None


def _hashes(comp: Component) -> tuple[str, ...]:
    pip = [(BY_CYCLONEDX_NAME[a].pip, d) for a, d in comp.hashes if a in BY_CYCLONEDX_NAME]
    return tuple(sorted({validate.file_hash(comp.ref, p, d) for p, d in pip if p in PIP_CAN_CHECK}))


def _archive_pin(
    comp: Component, name: str, version: str, url: str, *, allow_unhashed: bool
) -> Pin:
    """Return the pin of an archive URL; it needs a sha256, or pip drops --require-hashes."""
    checked = validate.url(comp.ref, url)
    if checked.startswith("http:"):
        raise RebuildError(f"{comp.ref}: url {url!r} is plain http: anyone on the path can swap it")
    hashes = _hashes(comp)
    if not any(h.startswith("sha256:") for h in hashes) and not allow_unhashed:
        raise RebuildError(
            f"{comp.ref}: the archive {url!r} has no recorded sha256, so pip could not verify "
            "any package",
            remedy=Remedy.NO_RESOLVE,
        )
    return Pin(name, version, hashes, checked)


def _python_pins(
    snapshot: Snapshot, *, allow_unhashed: bool = False
) -> tuple[list[Pin], list[VcsPin], list[str], dict[str, str]]:
    """Return pins, VCS pins, extra indexes, and {bom-ref: why} of what cannot be pinned."""
    pins, vcs, indexes, problems = [], [], set(), {}
    for comp in snapshot.by_layer(Layer.PACKAGES):
        name = validate.name(comp.ref, comp.name)
        source = comp.prop(Prop.PYPI_SOURCE) or "index"
        url, commit = comp.prop(Prop.PYPI_SOURCE_URL), comp.prop(Prop.PYPI_COMMIT)
        if source in ("editable", "dir"):
            problems[comp.ref] = f"installed from a local directory ({source}): not in an SBOM"
            continue
        if comp.prop(Prop.PYPI_VERSION_INVALID) == "true" or comp.version is None:
            problems[comp.ref] = f"version {comp.version!r} is not PEP 440 and cannot be pinned"
            continue
        version = validate.version(comp.ref, comp.version)
        if source == "vcs":
            if not url or not commit:
                problems[comp.ref] = "installed from VCS without a recorded URL and commit"
                continue
            vcs.append(VcsPin(name, validate.url(comp.ref, url), validate.commit(comp.ref, commit)))
            continue
        if source == "url":
            if not url or url.startswith("file:"):
                problems[comp.ref] = (
                    f"installed from a local file ({url}); an SBOM cannot rebuild it"
                )
                continue
            pins.append(_archive_pin(comp, name, version, url, allow_unhashed=allow_unhashed))
            continue
        local = _LOCAL_INDEX.search(version)
        if local:
            indexes.add(_TORCH_INDEX.format(local.group(1)))
        pins.append(Pin(name, version, _hashes(comp)))
    return pins, vcs, sorted(indexes), problems


def _loaded_toolkit(snapshot: Snapshot) -> tuple[str, str | None] | None:
    """Return (release, update or None) of the system CUDA toolkit the environment loads.

    Documents older than ``cuda-toolkit`` recorded a host toolkit as ``cuda`` itself, loaded
    or not: there only a torch build recorded beside it means the environment loads it.
    """
    runtime = snapshot.component("cuda")
    if runtime is None or runtime.prop(Prop.CUDA_SOURCE) != "toolkit":
        return None
    toolkit = snapshot.component("cuda-toolkit")
    if toolkit is not None:
        release, exact = toolkit.version or "", toolkit.prop(Prop.CUDA_TOOLKIT_EXACT)
        source = toolkit.prop(Prop.CUDA_TOOLKIT_SOURCE) or ""
    elif runtime.prop(Prop.CUDA_TORCH):
        exact, source = runtime.version, runtime.prop(Prop.CUDA_TOOLKIT_SOURCE) or ""
        release = ".".join((exact or "").split(".")[:2])
    else:
        return None
    if not _RELEASE.fullmatch(release):
        raise RebuildError(f"cuda-toolkit: release {release!r} is not X.Y")
    return release, exact if source.endswith("version.json") else None


def _base_image(
    snapshot: Snapshot, python: str, requested: str | None
) -> tuple[str, bool, list[str]]:
    notes: list[str] = []
    if requested:
        return validate.image(requested), True, notes
    toolkit, os_comp = _loaded_toolkit(snapshot), snapshot.component("os")
    if toolkit is not None:
        ubuntu = os_comp.version if os_comp and os_comp.name == "ubuntu" else None
        base = cuda_base(*toolkit, ubuntu)
        return validate.image(base.image), False, list(base.notes)
    codename = DEFAULT_CODENAME
    if os_comp is not None and os_comp.name == "debian" and os_comp.prop(Prop.OS_CODENAME):
        codename = validate.codename(os_comp.prop(Prop.OS_CODENAME) or "")
    elif os_comp is not None:
        notes.append(
            f"os: {os_comp.name} {os_comp.version} is not reproduced; the base is Debian {codename}"
        )
    return validate.image(f"python:{python}-slim-{codename}"), True, notes


def _system_packages(snapshot: Snapshot, names: tuple[str, ...]) -> list[tuple[str, str]]:
    found = []
    for wanted in names:
        comp = snapshot.component(f"deb:{wanted}")
        if comp is None or not comp.version:
            raise RebuildError(
                "not recorded in the SBOM as a Debian package",
                what=Input.SYSTEM_PACKAGES,
                path=wanted,
            )
        found.append(
            (validate.name(comp.ref, comp.name), validate.deb_version(comp.ref, comp.version))
        )
    return found


def settable(name: str, value: str) -> str | None:
    """Return why ``name`` is not set in the image, or None when it is.

    Only names on the snapshot's allow-list (exact, case-sensitive), never a variable
    that chooses code, an index, a proxy or an endpoint, never a secret or a URL.
    """
    upper = name.upper()
    if not allowed(name):
        return "not on the reproducibility allow-list"
    if upper in _NEVER_SET or upper.startswith(_NEVER_SET_PREFIXES) or "PROXY" in upper:
        return "never set by a rebuild"
    if upper.endswith(_NEVER_SET_SUFFIXES):
        return "a location, never set by a rebuild"
    if looks_secret(name) or REDACTED in value:
        return "recorded redacted"
    if "://" in value:
        return "holds a URL"
    return None


def _env(snapshot: Snapshot) -> tuple[list[tuple[str, str]], list[str]]:
    env, notes = [], []
    for key, value in sorted(snapshot.env.items()):
        why = settable(key, value)
        if why is None:
            env.append(validate.env(f"env:{key}", key, value))
        else:
            notes.append(f"env {key}: {why}, not set")
    return env, notes


def plan(snapshot: Snapshot, digest: str, options: PlanOptions) -> BuildPlan:
    """Return the validated plan; raises RebuildError for unsafe or unreproducible input."""
    python = snapshot.component("python")
    if python is None or not python.version:
        raise RebuildError("the SBOM records no Python interpreter: nothing to rebuild")
    version = validate.python_version(python.version)
    pins, vcs, indexes, problems = _python_pins(snapshot, allow_unhashed=options.no_resolve)
    messages = [f"{ref}: {why}" for ref, why in problems.items()]
    if problems and not options.skip_unreproducible:
        listed = "; ".join(messages)
        raise RebuildError(
            f"cannot reproduce {len(problems)} distribution(s): {listed}",
            remedy=Remedy.SKIP_UNREPRODUCIBLE,
        )
    base, python_from_base, notes = _base_image(snapshot, version, options.base_image)
    env, env_notes = _env(snapshot)
    index_urls, index_notes = _index_urls(snapshot, options)
    labels = (
        ("org.opencontainers.image.title", f"{snapshot.name} (rebuilt by driftbom)"),
        ("org.opencontainers.image.created", snapshot.timestamp),
        (
            "org.opencontainers.image.description",
            f"Rebuild of the environment recorded in SBOM {digest}",
        ),
        ("io.driftbom.sbom.digest", digest),
    )
    for _, value in labels:
        validate.env("labels", "LABEL", value)  # no control characters in a label
    return BuildPlan(
        sbom_name=snapshot.name,
        sbom_digest=digest,
        sbom_timestamp=snapshot.timestamp,
        base_image=base,
        python_version=version,
        python_from_base=python_from_base,
        base_requested=options.base_image is not None,
        pins=tuple(sorted(pins, key=lambda p: p.name.lower())),
        vcs=tuple(vcs),
        index_urls=index_urls,
        extra_index_urls=tuple(indexes),
        system_packages=tuple(_system_packages(snapshot, options.system_packages)),
        env=tuple(env),
        labels=labels,
        not_reproduced=tuple(messages + notes + env_notes + index_notes),
        left_out=tuple(problems),
    )
