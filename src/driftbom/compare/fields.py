"""Property-level comparison: which ``drift:*`` fields matter, and under which rule.

Components' property sets are compared as tuples first; only when the comparable
properties differ is deepdiff imported (0.3-1.2 s) to say what changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from driftbom.compare.changes import Change, ChangeKind
from driftbom.model import Layer
from driftbom.sbom.properties import Prop

if TYPE_CHECKING:
    from driftbom.model import Component

# Machine-specific or derived: never drift.
IGNORED = frozenset(
    {
        Prop.PY_EXECUTABLE.value,
        Prop.PY_PREFIX.value,
        Prop.PYPI_LOCATION.value,
        Prop.PYPI_REQUESTED.value,
        Prop.PYPI_LOCK.value,
        Prop.PYPI_VERSION_INVALID.value,
        Prop.LOCK_MISMATCH.value,
        Prop.LOCK_ENTRIES.value,
        Prop.OS_PRETTY_NAME.value,
        Prop.OS_CODENAME.value,
        Prop.OS_ID_LIKE.value,
        Prop.OSPKG_SOURCE.value,
    }
)

RULES = {
    Prop.PY_IMPLEMENTATION.value: "python-implementation",
    Prop.PY_ABI.value: "python-build",
    Prop.PY_PLATFORM.value: "python-build",
    Prop.PY_TAG.value: "python-build",
    Prop.PY_BITS.value: "python-build",
    Prop.PY_GIL_DISABLED.value: "python-build",
    Prop.PY_VENV.value: "python-patch",
    Prop.PYPI_SOURCE.value: "package-source",
    Prop.PYPI_SOURCE_URL.value: "package-source",
    Prop.PYPI_VCS.value: "package-source",
    Prop.PYPI_COMMIT.value: "package-source",
    Prop.PYPI_RECORD_DIGEST.value: "package-files",
    Prop.PYPI_INSTALLER.value: "package-installer",
    Prop.LOCK_FORMAT.value: "lockfile-changed",
    Prop.LOCK_INDEX_URL.value: "lockfile-changed",
    Prop.OS_KERNEL.value: "os-kernel",
    Prop.OS_LIBC.value: "glibc",
    Prop.OS_LIBC_VERSION.value: "glibc",
    Prop.OS_ARCH.value: "cpu-arch",
    Prop.OSPKG_ARCH.value: "os-package-changed",
    Prop.CPU_ARCH.value: "cpu-arch",
    Prop.CPU_VENDOR.value: "cpu-model",
    Prop.CPU_LOGICAL.value: "cpu-cores",
    Prop.CPU_PHYSICAL.value: "cpu-cores",
    Prop.CPU_SOCKETS.value: "cpu-cores",
    Prop.MEMORY_TOTAL.value: "memory",
}
# ISA extensions whose loss changes numerics or speed of ML kernels.
IMPORTANT_FLAGS = ("avx512", "amx", "avx2", "avx_vnni", "fma", "f16c", "sve", "sme", "bf16", "i8mm")

_LAYER_RULES = {
    Layer.PYTHON: "python-build",
    Layer.PACKAGES: "package-source",
    Layer.LOCKFILE: "lockfile-changed",
    Layer.OS: "os-release",
    Layer.OS_PACKAGES: "os-package-changed",
    Layer.CPU: "cpu-model",
    Layer.MEMORY: "memory",
    Layer.ENV: "env",
    Layer.GPU: "cpu-model",
    Layer.OTHER: "package-source",
}


def layer_rule(layer: Layer) -> str:
    """Return the rule for a change in ``layer`` that has no more specific rule."""
    return _LAYER_RULES[layer]


def _comparable(comp: Component) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in comp.properties:
        if key in IGNORED:
            continue
        if key in found:
            previous = found[key]
            found[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            found[key] = value
    return found


def _flag_changes(ref: Component, cur: Component, old: str, new: str) -> list[Change]:
    lost = sorted(set(old.split()) - set(new.split()))
    gained = sorted(set(new.split()) - set(old.split()))
    important = [f for f in lost if f.startswith(IMPORTANT_FLAGS)]
    changes = []
    if important:
        reason = f"lost ISA flags: {' '.join(important)}"
        changes.append(Change(cur.ref, cur.layer, ChangeKind.MODIFIED, Prop.CPU_FLAGS.value,
                              " ".join(important), None, "cpu-flag-lost", reason))  # fmt: skip
    others = [f for f in lost if f not in important]
    if others or gained:
        parts = ([f"lost {' '.join(others)}"] if others else []) + (
            [f"gained {' '.join(gained)}"] if gained else []
        )
        changes.append(Change(cur.ref, cur.layer, ChangeKind.MODIFIED, Prop.CPU_FLAGS.value,
                              " ".join(others) or None, " ".join(gained) or None, "cpu-flags",
                              "ISA flags: " + "; ".join(parts)))  # fmt: skip
    return changes


def property_changes(ref: Component, cur: Component) -> list[Change]:
    """Return one change per comparable property that differs between two components."""
    old, new = _comparable(ref), _comparable(cur)
    if old == new:
        return []
    from deepdiff import DeepDiff  # noqa: PLC0415 - only paid when properties differ

    delta = DeepDiff(old, new, ignore_order=True, view="tree")
    touched = sorted(
        {str(level.path(output_format="list")[0]) for levels in delta.values() for level in levels}
    )
    changes: list[Change] = []
    for key in touched:
        before, after = old.get(key), new.get(key)
        if key == Prop.CPU_FLAGS.value and before is not None and after is not None:
            changes += _flag_changes(ref, cur, str(before), str(after))
            continue
        rule = RULES.get(key, layer_rule(cur.layer))
        text_before = None if before is None else str(before)
        text_after = None if after is None else str(after)
        kind = ChangeKind.MODIFIED
        reason = f"{key.rsplit(':', 1)[-1]}: {text_before or '(none)'} -> {text_after or '(none)'}"
        changes.append(Change(cur.ref, cur.layer, kind, key, text_before, text_after, rule, reason))
    return changes
