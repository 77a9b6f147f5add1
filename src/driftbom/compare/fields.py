"""Property-level comparison: which ``drift:*`` fields matter, and under which rule.

Properties are flat name/value strings: they compare as dicts. deepdiff (0.3-1.2 s to
import) is used only for a value that holds a nested JSON section, and only when it differs.
"""

from __future__ import annotations

import json
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
        Prop.GPU_ID.value,
        Prop.GPU_DRIVER_SOURCE.value,
        Prop.CUDA_TOOLKIT_SOURCE.value,
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
    Prop.GPU_DRIVER_CUDA.value: "driver-change",
    Prop.GPU_MEMORY.value: "gpu-config",
    Prop.GPU_CAPABILITY.value: "gpu-model",
    Prop.GPU_MIG.value: "gpu-config",
    Prop.GPU_PERSISTENCE.value: "gpu-config",
    Prop.CUDA_SOURCE.value: "cuda-source",
    Prop.CUDA_PACKAGE.value: "cuda-source",
    Prop.CUDA_TORCH.value: "cuda-source",
    Prop.CUDA_TOOLKIT.value: "cuda-source",
    Prop.CUDA_JAX.value: "cuda-source",
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
    Layer.GPU: "gpu-config",
    Layer.CUDA: "cuda-source",
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


def _flag_changes(cur: Component, old: str, new: str) -> list[Change]:
    lost = sorted(set(old.split()) - set(new.split()))
    gained = sorted(set(new.split()) - set(old.split()))
    important = [f for f in lost if f.startswith(IMPORTANT_FLAGS)]
    changes = []
    if important:
        reason = f"lost ISA flags: {' '.join(important)}"
        changes.append(
            Change(
                cur.ref,
                cur.layer,
                ChangeKind.MODIFIED,
                Prop.CPU_FLAGS.value,
                " ".join(important),
                None,
                "cpu-flag-lost",
                reason,
            )
        )
    others = [f for f in lost if f not in important]
    if others or gained:
        parts = ([f"lost {' '.join(others)}"] if others else []) + (
            [f"gained {' '.join(gained)}"] if gained else []
        )
        changes.append(
            Change(
                cur.ref,
                cur.layer,
                ChangeKind.MODIFIED,
                Prop.CPU_FLAGS.value,
                " ".join(others) or None,
                " ".join(gained) or None,
                "cpu-flags",
                "ISA flags: " + "; ".join(parts),
            )
        )
    return changes


def _nested(text: str | None) -> Any:
    """Return a property value that holds a JSON object or array, parsed; else None."""
    if not text or text[0] not in "[{":
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def nested_changes(cur: Component, key: str, before: str, after: str) -> list[Change] | None:
    """Say which parts of a nested (JSON) property value changed, with deepdiff.

    Returns None when the values are not both JSON objects or arrays. deepdiff is
    imported here only: 0.3 s bare, up to 1.2 s beside pandas.
    """
    old, new = _nested(before), _nested(after)
    if old is None or new is None:
        return None
    from deepdiff import DeepDiff  # noqa: PLC0415 - only paid when a nested section differs

    rule = RULES.get(key, layer_rule(cur.layer))
    changes = []
    delta = DeepDiff(old, new, ignore_order=True, view="tree")
    for levels in delta.values():
        for level in levels:
            path = ".".join(str(p) for p in level.path(output_format="list"))
            was = None if type(level.t1).__name__ == "NotPresent" else json.dumps(level.t1)
            now = None if type(level.t2).__name__ == "NotPresent" else json.dumps(level.t2)
            field = f"{key}.{path}" if path else key
            reason = f"{field.rsplit(':', 1)[-1]}: {was or '(none)'} -> {now or '(none)'}"
            changes.append(
                Change(cur.ref, cur.layer, ChangeKind.MODIFIED, field, was, now, rule, reason)
            )
    return sorted(changes, key=lambda c: c.field)


def property_changes(ref: Component, cur: Component, *, partial: bool = False) -> list[Change]:
    """Return one change per comparable property that differs between two components.

    CycloneDX properties are flat name/value strings and compare as dicts; a value
    that holds JSON (hyperparameters, model-card sections) is compared with deepdiff.
    """
    old, new = _comparable(ref), _comparable(cur)
    if old == new:
        return []
    keys = old.keys() & new.keys() if partial else old.keys() | new.keys()
    changes: list[Change] = []
    for key in sorted(keys):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if key == Prop.CPU_FLAGS.value and before is not None and after is not None:
            changes += _flag_changes(cur, str(before), str(after))
            continue
        text_before = None if before is None else str(before)
        text_after = None if after is None else str(after)
        if text_before is not None and text_after is not None:
            nested = nested_changes(cur, key, text_before, text_after)
            if nested is not None:
                changes += nested
                continue
        rule = RULES.get(key, layer_rule(cur.layer))
        reason = f"{key.rsplit(':', 1)[-1]}: {text_before or '(none)'} -> {text_after or '(none)'}"
        changes.append(
            Change(
                cur.ref, cur.layer, ChangeKind.MODIFIED, key, text_before, text_after, rule, reason
            )
        )
    return changes
