"""What people say about their datasets and models: datasheets, ``--dataset-info``, model cards.

Every value is hostile until checked: keys come from a fixed list, a licence must be an
SPDX expression, a sensitivity one of four words, a record count a non-negative integer;
free text is scrubbed of credentials and cut at ``MAX_TEXT`` characters. A ``datasheet.yaml``
is read as data only (YAML safe load, at most ``MAX_DATASHEET`` bytes, a regular file inside
the dataset's tree: never a FIFO, a device or a link out of it).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import orjson

from driftbom import bounded
from driftbom.errors import Input, ProbeError
from driftbom.hashes import blake3_hex
from driftbom.properties import Prop
from driftbom.redact import scrub
from driftbom.safetext import json_safe

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import Path

    from driftbom.model import Component, Pair

MAX_TEXT = 1024
"""Free text is cut here."""
MAX_DATASHEET = 64 * 1024
DATASHEET = "datasheet.yaml"
DATASET_KEYS = (
    "role",
    "license",
    "origin",
    "sensitivity",
    "collection",
    "labelling",
    "cleaning",
    "records",
)
MODEL_KEYS = ("intended-use", "out-of-scope", "limitations", "license")
SENSITIVITIES = ("none", "personal", "special-category", "confidential")
ROLE_BY_NAME = {"train": "train", "val": "validation", "eval": "test", "test": "test"}
"""The role a dataset's name implies when none is given."""
_DATASET_PROPS = {
    "role": Prop.DATASET_ROLE,
    "origin": Prop.DATASET_ORIGIN,
    "sensitivity": Prop.DATASET_SENSITIVITY,
    "collection": Prop.DATASET_COLLECTION,
    "labelling": Prop.DATASET_LABELLING,
    "cleaning": Prop.DATASET_CLEANING,
    "records": Prop.DATASET_RECORDS,
}
Info = dict[str, str]


def _error(what: Input, path: str, reason: str) -> ProbeError:
    return ProbeError(reason, what=what, path=path)


def text(value: str) -> str:
    """Return free text scrubbed of credentials, Unicode JSON can hold, at most MAX_TEXT long."""
    return scrub(json_safe(value))[:MAX_TEXT]


def licence(value: str, what: Input, shown: str) -> str:
    """Return the canonical SPDX expression ``value``; raises ProbeError for another."""
    from packaging.licenses import (  # noqa: PLC0415 - only when a licence is given
        InvalidLicenseExpression,
        canonicalize_license_expression,
    )

    try:
        return canonicalize_license_expression(value[:MAX_TEXT])
    except InvalidLicenseExpression:
        reason = f"licence {value[:80]!r} is not an SPDX expression (MIT, Apache-2.0 OR MIT...)"
        raise _error(what, shown, reason) from None


def _value(key: str, value: object, what: Input, shown: str) -> str:
    """Return one checked value as text; raises ProbeError naming ``shown``."""
    if key == "records":
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value.strip())
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _error(what, shown, f"records is a non-negative integer, not {value!r:.80}")
        return str(value)
    if isinstance(value, list) and key != "license":
        value = "\n".join(str(v) for v in value if isinstance(v, (str, int, float)))
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise _error(what, shown, f"{key} is text, not {type(value).__name__}")
    value = str(value).strip()
    if key == "license":
        return licence(value, what, shown)
    if key == "sensitivity" and value not in SENSITIVITIES:
        known = ", ".join(SENSITIVITIES)
        raise _error(what, shown, f"sensitivity {value[:80]!r} is not one of {known}")
    return text(value)


def checked(info: Mapping[str, object], keys: tuple[str, ...], what: Input, shown: str) -> Info:
    """Return ``info`` with each key known and each value checked; raises ProbeError."""
    out: Info = {}
    for key, value in info.items():
        if key not in keys:
            raise _error(what, shown, f"unknown key {str(key)[:80]!r} (known: {', '.join(keys)})")
        if value is not None:
            out[key] = _value(key, value, what, shown)
    return out


def checked_all(
    given: Mapping[str, Mapping[str, object]] | None, keys: tuple[str, ...], what: Input
) -> dict[str, Info]:
    """Return every name's checked info (``track(dataset_info=...)``); raises ProbeError."""
    out: dict[str, Info] = {}
    for name, info in (given or {}).items():
        if not hasattr(info, "items"):
            raise _error(what, str(name), "is not a mapping of key to value")
        out[str(name)] = checked(info, keys, what, str(name))
    return out


def check_names(info: Mapping[str, object], names: Iterable[str], what: Input) -> None:
    """Raise ProbeError for info about a name not recorded (a typo would say nothing)."""
    unknown = sorted(set(info) - set(names))
    if unknown:
        raise _error(what, unknown[0], "names no dataset or model of this record")


def read_datasheet(place: Path | str) -> tuple[Info, str | None]:
    """Return the datasheet beside a dataset (checked) and ``blake3:`` of it; ({}, None): none.

    Raises ProbeError for a datasheet that is a link out of the dataset's tree, not a
    regular file, over MAX_DATASHEET bytes, not a YAML mapping, or holds a bad key or value.
    """
    if isinstance(place, str):  # object storage: nothing is downloaded
        return {}, None
    try:
        # inside a folder, or beside a file
        path = place / DATASHEET if place.is_dir() else place.with_name(f"{place.name}.{DATASHEET}")
        if not os.path.lexists(path):
            return {}, None
        tree = (place if place.is_dir() else place.parent).resolve()
        real = path.resolve()
    except (OSError, RuntimeError) as exc:  # a name too long, a loop of links
        reason = f"cannot read the datasheet ({getattr(exc, 'strerror', None) or exc})"
        raise _error(Input.DATASET, str(place), reason) from None
    shown = str(path)
    if real != tree and tree not in real.parents:
        raise _error(Input.DATASET, shown, "the datasheet is a link out of the dataset's tree")
    try:
        raw = bounded.read_bytes(real, MAX_DATASHEET)
    except OSError as exc:
        raise _error(Input.DATASET, shown, f"cannot read the datasheet ({exc.strerror})") from None
    info = checked(_yaml(raw, shown), DATASET_KEYS, Input.DATASET, shown)
    return info, f"blake3:{blake3_hex(raw)}"


def _yaml(raw: bytes, shown: str) -> Mapping[str, object]:
    import yaml  # noqa: PLC0415

    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        reason = f"the datasheet is not YAML ({type(exc).__name__})"
        raise _error(Input.DATASET, shown, reason) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _error(Input.DATASET, shown, "the datasheet is not a mapping of key to value")
    return data


def described_dataset(comp: Component, info: Info, datasheet: str | None) -> Component:
    """Return a dataset component with ``info`` in its properties and licences."""
    info = dict(info)
    if "role" not in info and comp.name.lower() in ROLE_BY_NAME:
        info["role"] = ROLE_BY_NAME[comp.name.lower()]
    props = [(_DATASET_PROPS[k], v) for k, v in info.items() if k in _DATASET_PROPS]
    if datasheet:
        props.append((Prop.DATASET_DATASHEET, datasheet))
    licenses = (("expression", info["license"]),) if "license" in info else comp.licenses
    return comp.with_changes(properties=(*comp.properties, *props), licenses=licenses)


def described_model(comp: Component, info: Info) -> Component:
    """Return a model component with ``info`` in its card, properties and licences."""
    card: dict[str, Any] = orjson.loads(comp.model_card) if comp.model_card else {}
    considerations = card.setdefault("considerations", {})
    if "intended-use" in info:
        considerations["useCases"] = _lines(info["intended-use"])
    if "limitations" in info:
        considerations["technicalLimitations"] = _lines(info["limitations"])
    if not considerations:
        del card["considerations"]
    props = list(comp.properties)
    if "out-of-scope" in info:
        props = [p for p in props if p[0] != Prop.MODEL_OUT_OF_SCOPE]
        props += [(Prop.MODEL_OUT_OF_SCOPE, use) for use in _lines(info["out-of-scope"])]
    licenses = comp.licenses
    if "license" in info:
        licenses = (("expression", info["license"]),)
        props = [p for p in props if p[0] != Prop.MODEL_LICENSE]
        props.append((Prop.MODEL_LICENSE, info["license"][:128]))
    return comp.with_changes(
        properties=tuple(props),
        licenses=licenses,
        model_card=orjson.dumps(card, option=orjson.OPT_SORT_KEYS).decode() if card else None,
    )


def _lines(value: str) -> list[str]:
    """Return the uses or limitations in ``value``: one per line, at most 32."""
    return [line.strip() for line in value.splitlines() if line.strip()][:32]


_SECTIONS = {
    "intended uses": "intended-use",
    "intended use": "intended-use",
    "intended uses & limitations": "intended-use",
    "uses": "intended-use",
    "direct use": "intended-use",
    "out-of-scope use": "out-of-scope",
    "out-of-scope uses": "out-of-scope",
    "limitations": "limitations",
    "bias, risks, and limitations": "limitations",
    "limitations and bias": "limitations",
}
_PLACEHOLDER = "[more information needed]"
MAX_SECTION_LINES = 32


def card_sections(body: str) -> Info:
    """Return the intended uses, out-of-scope uses and limitations a model card states.

    Of each known section (``## Direct Use``...), the first paragraph or bullet list,
    scrubbed and cut; a placeholder (``[More Information Needed]``) says nothing.
    """
    found: Info = {}
    lines = body.splitlines()[:20_000]
    for number, line in enumerate(lines):
        title = line.lstrip("#").strip().lower() if line.startswith("#") else ""
        key = _SECTIONS.get(title)
        if key is None or key in found:
            continue
        paragraph = _first_paragraph(lines[number + 1 : number + 1 + 4 * MAX_SECTION_LINES])
        if paragraph and paragraph.lower() != _PLACEHOLDER:
            found[key] = text(paragraph)
    return found


def _first_paragraph(lines: list[str]) -> str:
    """Return the first paragraph (joined) or bullet list (one item a line) of ``lines``."""
    taken: list[str] = []
    bullets = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and taken):
            break
        if not stripped or stripped.startswith(("<!--", "|")):
            continue
        item = stripped.startswith(("- ", "* "))
        bullets = bullets or (item and not taken)
        taken.append(stripped[2:] if item else stripped)
        if len(taken) >= MAX_SECTION_LINES:
            break
    return ("\n" if bullets else " ").join(taken)


def card_licence(values: list[str]) -> tuple[Pair, ...]:
    """Return a card's ``license:`` as declared licences: SPDX when it is one, else by name."""

    def declared(value: str) -> Pair:
        try:
            return "expression", licence(value, Input.MODEL, value)
        except ProbeError:
            return "name", text(value)[:128]

    return tuple(declared(value) for value in values[:8])
