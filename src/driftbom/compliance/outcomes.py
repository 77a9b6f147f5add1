"""Each element of a framework, present or missing in one CycloneDX JSON document."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from driftbom.compliance.framework import Scope
from driftbom.compliance.selector import select
from driftbom.hashes import sha256

if TYPE_CHECKING:
    from collections.abc import Iterator

    from driftbom.compliance.framework import Element, Framework
    from driftbom.compliance.selector import Match

MAX_VALUE = 160
"""Characters of a value shown; a longer one is shown as its digest."""
MAX_LISTED = 20
"""Items named per element (missing ones first); the rest are counted."""
SOFTWARE = frozenset({
    "application", "framework", "library", "container", "platform", "operating-system",
    "device-driver", "firmware", "file",
})  # fmt: skip


class State(str, Enum):
    """An element's state in a record."""

    PRESENT = "present"
    MISSING = "missing"
    UNCHECKED = "unchecked"
    """A signature, when the caller gave no key or trust policy to check it with."""


class Verdict(str, Enum):
    """A framework's verdict: every required element present, one missing, or unverified."""

    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    UNVERIFIED = "unverified"


class Signature(NamedTuple):
    """What the caller knows of the record's signature."""

    checked: bool
    verified: bool = False
    detail: str = ""


NOT_CHECKED = Signature(checked=False)


class Proof(NamedTuple):
    """One item's evidence: where the value is and the value (or its digest)."""

    item: str
    location: str
    value: str


class Outcome(NamedTuple):
    """One element in one record: its state, the proof per item, the items missing it."""

    element: Element
    state: State
    proofs: tuple[Proof, ...]
    missing: tuple[str, ...]
    """Items that lack it (at most MAX_LISTED), or why there is none to prove it of."""
    items: int
    """How many items it applies to (1 for the document)."""
    missing_count: int


class Evaluation(NamedTuple):
    """A framework evaluated over one record."""

    framework: Framework
    source: str
    outcomes: tuple[Outcome, ...]

    @property
    def required(self) -> tuple[Outcome, ...]:
        """Return the outcomes of the required elements."""
        return tuple(o for o in self.outcomes if o.element.required)

    @property
    def score(self) -> float:
        """Return the share of required elements present, 0.0 to 1.0 (1.0 when none)."""
        required = self.required
        present = sum(1 for o in required if o.state is State.PRESENT)
        return present / len(required) if required else 1.0

    @property
    def verdict(self) -> Verdict:
        """Return complete, incomplete (a required element missing) or unverified."""
        states = {o.state for o in self.required}
        if State.MISSING in states:
            return Verdict.INCOMPLETE
        return Verdict.UNVERIFIED if State.UNCHECKED in states else Verdict.COMPLETE


def shown(value: Any) -> str:
    """Return a value as text, or ``sha256:<hex> (N characters)`` when it is long."""
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    if len(text) <= MAX_VALUE:
        return text
    digest = sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return f"sha256:{digest} ({len(text)} characters)"


def _label(item: dict[str, Any], fallback: str) -> str:
    names = (item.get(key) for key in ("bom-ref", "name"))
    return next((name[:MAX_VALUE] for name in names if isinstance(name, str) and name), fallback)


def _items(document: dict[str, Any], scope: Scope) -> Iterator[tuple[str, str, Any]]:
    """Yield (label, JSON path, object) of each item ``scope`` names in ``document``."""
    if scope is Scope.DOCUMENT:
        yield "document", "", document
        return
    if scope is Scope.RUN:
        for f, formula in enumerate(_dicts(document.get("formulation"))):
            for w, flow in enumerate(_dicts(formula.get("workflows"))):
                yield _label(flow, "run"), f"formulation[{f}].workflows[{w}]", flow
        return
    kinds = {
        Scope.DATASET: frozenset({"data"}),
        Scope.MODEL: frozenset({"machine-learning-model"}),
        Scope.SOFTWARE: SOFTWARE,
    }[scope]
    for index, comp in enumerate(_dicts(document.get("components"))):
        if comp.get("type") in kinds:
            yield _label(comp, f"components[{index}]"), f"components[{index}]", comp


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _proof(element: Element, item: Any, document: Any, where: str) -> Match | None:
    found = (select(s, item, document, where) for s in element.proof if not s.signature)
    return next((matches[0] for matches in found if matches), None)


def _signed(element: Element, signature: Signature) -> Outcome | None:
    if not any(s.signature for s in element.proof):
        return None
    if signature.verified:
        proof = Proof("document", "signature", signature.detail or "verified")
        return Outcome(element, State.PRESENT, (proof,), (), 1, 0)
    if not signature.checked:
        why = "signature not checked: no key or trust policy was given"
        return Outcome(element, State.UNCHECKED, (), (why,), 1, 1)
    return Outcome(element, State.MISSING, (), (signature.detail or "not verified",), 1, 1)


def outcome(element: Element, document: dict[str, Any], signature: Signature) -> Outcome:
    """Return ``element``'s state in ``document``: present only when every item proves it."""
    signed = _signed(element, signature)
    if signed is not None and (signed.state is State.PRESENT or len(element.proof) == 1):
        return signed
    proofs: list[Proof] = []
    missing: list[str] = []
    count = 0
    for label, where, item in _items(document, element.applies):
        count += 1
        found = _proof(element, item, document, where)
        if found is None:
            missing.append(label)
        elif len(proofs) < MAX_LISTED:
            proofs.append(Proof(label, found.location, shown(found.value)))
    if not count:
        return Outcome(element, State.MISSING, (), (f"no {element.applies.value} recorded",), 0, 1)
    state = State.MISSING if missing else State.PRESENT
    if signed is not None and state is State.MISSING:
        return signed
    named = () if element.applies is Scope.DOCUMENT else tuple(missing[:MAX_LISTED])
    return Outcome(element, state, tuple(proofs), named, count, len(missing))


def evaluate(
    framework: Framework, document: dict[str, Any], source: str, signature: Signature
) -> Evaluation:
    """Return every element of ``framework`` in the CycloneDX ``document`` (named ``source``)."""
    return Evaluation(
        framework, source, tuple(outcome(e, document, signature) for e in framework.elements)
    )
