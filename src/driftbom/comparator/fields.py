"""Property-level comparison: which ``drift:*`` fields matter, and under which rule.

Properties are flat name/value strings: they compare as dicts. deepdiff (heavy to import)
is used only for a value that holds a nested JSON section, and only when it differs.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from driftbom.comparator.changes import Change, modified
from driftbom.comparator.rules import Rule
from driftbom.model import Layer
from driftbom.properties import Prop

if TYPE_CHECKING:
    from driftbom.model import Component

# Machine-specific or derived: never drift.
IGNORED = frozenset(
    {
        Prop.PY_EXECUTABLE,
        Prop.PY_PREFIX,
        Prop.PYPI_LOCATION,
        Prop.PYPI_REQUESTED,
        Prop.PYPI_LOCK,
        Prop.PY_INDEX_URL,
        Prop.PYPI_WHEEL_TAG,
        Prop.PARAMS_SEEDS,
        Prop.PARAMS_TREE,
        Prop.GIT_BRANCH,
        Prop.PYPI_BROKEN,
        Prop.PYPI_VERSION_INVALID,
        Prop.LOCK_MISMATCH,
        Prop.LOCK_ENTRIES,
        Prop.OS_PRETTY_NAME,
        Prop.OS_CODENAME,
        Prop.OS_ID_LIKE,
        Prop.OSPKG_SOURCE,
        Prop.GPU_ID,
        Prop.GPU_DRIVER_SOURCE,
        Prop.CUDA_TOOLKIT_SOURCE,
    }
)

RULES = {
    Prop.PY_IMPLEMENTATION: Rule.PYTHON_IMPLEMENTATION,
    Prop.PY_ABI: Rule.PYTHON_BUILD,
    Prop.PY_PLATFORM: Rule.PYTHON_BUILD,
    Prop.PY_TAG: Rule.PYTHON_BUILD,
    Prop.PY_BITS: Rule.PYTHON_BUILD,
    Prop.PY_GIL_DISABLED: Rule.PYTHON_BUILD,
    Prop.PY_VENV: Rule.PYTHON_PATCH,
    Prop.PYPI_SOURCE: Rule.PACKAGE_SOURCE,
    Prop.PYPI_SOURCE_URL: Rule.PACKAGE_SOURCE,
    Prop.PYPI_VCS: Rule.PACKAGE_SOURCE,
    Prop.PYPI_COMMIT: Rule.PACKAGE_SOURCE,
    Prop.PYPI_RECORD_DIGEST: Rule.PACKAGE_FILES,
    Prop.PYPI_INSTALLER: Rule.PACKAGE_INSTALLER,
    Prop.LOCK_FORMAT: Rule.LOCKFILE_CHANGED,
    Prop.LOCK_INDEX_URL: Rule.LOCKFILE_CHANGED,
    Prop.OS_KERNEL: Rule.OS_KERNEL,
    Prop.OS_LIBC: Rule.GLIBC,
    Prop.OS_LIBC_VERSION: Rule.GLIBC,
    Prop.OS_ARCH: Rule.CPU_ARCH,
    Prop.OSPKG_ARCH: Rule.OS_PACKAGE_CHANGED,
    Prop.CPU_ARCH: Rule.CPU_ARCH,
    Prop.CPU_VENDOR: Rule.CPU_MODEL,
    Prop.CPU_LOGICAL: Rule.CPU_CORES,
    Prop.CPU_PHYSICAL: Rule.CPU_CORES,
    Prop.CPU_SOCKETS: Rule.CPU_CORES,
    Prop.MEMORY_TOTAL: Rule.MEMORY,
    Prop.GPU_DRIVER_CUDA: Rule.DRIVER_CHANGE,
    Prop.GPU_MEMORY: Rule.GPU_CONFIG,
    Prop.GPU_CAPABILITY: Rule.GPU_MODEL,
    Prop.GPU_MIG: Rule.GPU_CONFIG,
    Prop.GPU_PERSISTENCE: Rule.GPU_CONFIG,
    Prop.CUDA_SOURCE: Rule.CUDA_SOURCE,
    Prop.CUDA_PACKAGE: Rule.CUDA_SOURCE,
    Prop.CUDA_TORCH: Rule.CUDA_SOURCE,
    Prop.CUDA_TOOLKIT_EXACT: Rule.CUDA_TOOLKIT,
    Prop.CUDA_JAX: Rule.CUDA_SOURCE,
    Prop.GIT_DIRTY: Rule.CODE_DIRTY,
    Prop.GIT_DIFF: Rule.CODE_DIRTY,
    Prop.GIT_REMOTE: Rule.CODE_REVISION,
}
# ISA extensions whose loss changes numerics or speed of ML kernels.
IMPORTANT_FLAGS = ("avx512", "amx", "avx2", "avx_vnni", "fma", "f16c", "sve", "sme", "bf16", "i8mm")

_LAYER_RULES = {
    Layer.PYTHON: Rule.PYTHON_BUILD,
    Layer.PACKAGES: Rule.PACKAGE_SOURCE,
    Layer.LOCKFILE: Rule.LOCKFILE_CHANGED,
    Layer.OS: Rule.OS_RELEASE,
    Layer.OS_PACKAGES: Rule.OS_PACKAGE_CHANGED,
    Layer.CPU: Rule.CPU_MODEL,
    Layer.MEMORY: Rule.MEMORY,
    Layer.ENV: Rule.ENV,
    Layer.PARAMS: Rule.PARAM,
    Layer.DATASETS: Rule.DATASET,
    Layer.MODELS: Rule.MODEL,
    Layer.METRICS: Rule.METRIC,
    Layer.CODE: Rule.CODE_REVISION,
    Layer.GPU: Rule.GPU_CONFIG,
    Layer.CUDA: Rule.CUDA_SOURCE,
    Layer.OTHER: Rule.PACKAGE_SOURCE,
}


def layer_rule(layer: Layer) -> Rule:
    """Return the rule for a change in ``layer`` that has no more specific rule."""
    return _LAYER_RULES.get(layer, Rule.PACKAGE_SOURCE)  # a plugin's layer: as "other"


def _comparable(comp: Component) -> dict[str, Any]:
    grouped: dict[str, list[str]] = {}
    for key, value in comp.properties:
        if key not in IGNORED:
            grouped.setdefault(key, []).append(value)
    return {key: values[0] if len(values) == 1 else values for key, values in grouped.items()}


def _flag_changes(cur: Component, old: str, new: str) -> list[Change]:
    lost = sorted(set(old.split()) - set(new.split()))
    gained = sorted(set(new.split()) - set(old.split()))
    important = [f for f in lost if f.startswith(IMPORTANT_FLAGS)]
    changes = []
    if important:
        flags = " ".join(important)
        reason = f"lost ISA flags: {flags}"
        changes.append(modified(cur.ref, Prop.CPU_FLAGS, flags, None, Rule.CPU_FLAG_LOST, reason))
    others = [f for f in lost if f not in important]
    if others or gained:
        was, now = " ".join(others) or None, " ".join(gained) or None
        parts = [f"{how} {flags}" for how, flags in (("lost", was), ("gained", now)) if flags]
        reason = "ISA flags: " + "; ".join(parts)
        changes.append(modified(cur.ref, Prop.CPU_FLAGS, was, now, Rule.CPU_FLAGS, reason))
    return changes


MAX_NESTED_TEXT = 64 * 1024
MAX_NESTED_DEPTH = 16
MAX_NESTED_NODES = 2000
"""Larger or deeper values compare as whole strings: deepdiff's cost grows fast with both."""


def _size(value: Any, depth: int = 0) -> int:
    """Return the node count of parsed JSON, or a count over the limit when too deep."""
    if depth > MAX_NESTED_DEPTH:
        return MAX_NESTED_NODES + 1
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        return 1
    total = 1
    for item in value:
        total += _size(item, depth + 1)
        if total > MAX_NESTED_NODES:
            break
    return total


def _nested(text: str | None) -> Any:
    """Return a property value that holds a small JSON object or array, parsed; else None."""
    if not text or text[0] not in "[{" or len(text) > MAX_NESTED_TEXT:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if _size(value) <= MAX_NESTED_NODES else None


def nested_changes(cur: Component, key: str, before: str, after: str) -> list[Change] | None:
    """Say which parts of a nested (JSON) property value changed, with deepdiff.

    Returns None when the values are not both JSON objects or arrays. deepdiff is
    imported here only.
    """
    old, new = _nested(before), _nested(after)
    if old is None or new is None:
        return None
    from deepdiff import DeepDiff  # noqa: PLC0415 - only paid when a nested section differs

    rule = RULES.get(key, layer_rule(cur.layer))
    changes = []
    # order is compared, as it is meant ([512, 256] is not [256, 512]); deepdiff's
    # ignore_order costs time exponential in the nesting of lists
    delta = DeepDiff(old, new, view="tree")
    for levels in delta.values():
        for level in levels:
            path = ".".join(str(p) for p in level.path(output_format="list"))
            was = None if type(level.t1).__name__ == "NotPresent" else json.dumps(level.t1)
            now = None if type(level.t2).__name__ == "NotPresent" else json.dumps(level.t2)
            field = f"{key}.{path}" if path else key
            reason = f"{field.rsplit(':', 1)[-1]}: {was or '(none)'} -> {now or '(none)'}"
            changes.append(modified(cur.ref, field, was, now, rule, reason))
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
        if key == Prop.CPU_FLAGS and before is not None and after is not None:
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
        changes.append(modified(cur.ref, key, text_before, text_after, rule, reason))
    return changes
