"""Property-based: any bytes, any JSON, mutated real and foreign SBOMs through every reader.

Invariants: only DriftError escapes (the CLI's exit 2, one line); the comparison and every
report format complete; a rebuild either refuses (RebuildError) or renders a Dockerfile
whose first instruction is its FROM, with no document value on a line of its own.
Seeded and bounded so CI runs it in well under two minutes.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from driftbom.cli import main
from driftbom.comparator.policy import default
from driftbom.comparator.report import build
from driftbom.errors import DriftError
from driftbom.probes.python import distributions
from driftbom.probes.python.lockfiles import PARSERS, LockFormat, LockParseError
from driftbom.rebuilder import dockerfile
from driftbom.rebuilder.plan import PlanOptions, plan
from driftbom.render import Format, Result, rendered
from driftbom.safetext import has_unsafe
from driftbom.sbom import codecs, cyclonedx, schema
from tests.conftest import FIXTURES

SETTINGS = settings(
    max_examples=500,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DOCUMENTS = [
    FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json",
    *sorted((FIXTURES / "sbom").glob("*.json")),
]
REFERENCE = codecs.read(DOCUMENTS[0])
MARKERS = {"python_version": "3.11", "sys_platform": "linux", "platform_machine": "x86_64"}

hostile_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "\n",
            "\r",
            "\x1b[2J",
            "\u2028",
            "\u0085",
            "\ud800",
            "|",
            "`",
            "<img src=x>",
            "https://u:p@h/?token=t",
            "1" * 5000,
            "",
            "*" * 300,
            "\x00",
        ]
    ),
)
injections = st.builds(
    "{}RUN evil{}".format,
    st.sampled_from(["\n", "\r", "\v", "\f", "\x1b", "\u0085", "\u2028", "\u2029", "\x00"]),
    st.sampled_from(["", "\n"]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
    max_leaves=12,
)


def _through_everything(document: object) -> None:
    """Read ``document`` as an SBOM and take it through validate, compare, render, rebuild."""
    assert all(isinstance(line, str) for line in schema.errors(document))
    try:
        snap = cyclonedx.from_dict(document, "fuzz")
    except DriftError:
        return
    for pair in ((REFERENCE, snap), (snap, REFERENCE)):
        try:
            report = build(*pair, default())
        except DriftError:
            continue
        for fmt in Format:
            out = rendered(Result.DRIFT_REPORT, fmt, report)
            if fmt is Format.JSON:
                json.loads(out)
            else:  # a value from a document never starts a line, a command or a row
                assert all(not has_unsafe(line) for line in out.split("\n")), fmt
    try:
        the_plan = plan(
            snap, "sha256:" + "0" * 64, PlanOptions(skip_unreproducible=True, no_resolve=True)
        )
    except DriftError:
        return
    text = dockerfile.render(the_plan)
    first = next(line for line in text.splitlines() if line and not line.startswith("#"))
    assert first.startswith("FROM "), first
    for line in (text + dockerfile.render_lock(the_plan)).split("\n"):
        assert not has_unsafe(line), line


@SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes(raw):
    try:
        document = cyclonedx.loads(raw, "fuzz")
    except DriftError:
        return
    _through_everything(document)


@SETTINGS
@given(json_values)
def test_any_json(value):
    try:
        document = cyclonedx.loads(json.dumps(value), "fuzz")
    except DriftError:
        return
    _through_everything(document)


def _get(node, path):
    for key in path:
        node = node[key]
    return node


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _small(document: dict) -> dict:
    """The document with two components of each kind: mutations then land on every layer."""
    kept: dict[str, int] = {}
    components = []
    for comp in document.get("components", []):
        kind = str(comp.get("bom-ref", "")).partition(":")[0]
        kept[kind] = kept.get(kind, 0) + 1
        if kept[kind] <= 2:
            if isinstance(comp.get("components"), list):
                comp["components"] = comp["components"][:2]
            components.append(comp)
    document["components"] = components
    return document


_ORIGINALS = [_small(json.loads(path.read_text())) for path in DOCUMENTS]
_PATHS = [list(_paths(doc))[1:] for doc in _ORIGINALS]
_STRINGS = [
    [p for p in paths if isinstance(_get(doc, p), str)]
    for doc, paths in zip(_ORIGINALS, _PATHS, strict=True)
]


def _draw_original(data) -> tuple[int, dict]:
    which = data.draw(st.integers(0, len(_ORIGINALS) - 1))
    return which, copy.deepcopy(_ORIGINALS[which])


def _as_read(document: object) -> None:
    try:  # as a file would be read
        parsed = cyclonedx.loads(json.dumps(document), "fuzz")
    except DriftError:
        return
    _through_everything(parsed)


@SETTINGS
@given(st.data())
def test_mutated_real_and_foreign_documents(data):
    which, document = _draw_original(data)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_PATHS[which]))
        try:
            _get(document, path[:-1])[path[-1]] = data.draw(json_values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation replaced what this path went through
    _as_read(document)


@SETTINGS
@given(st.data())
def test_a_line_break_in_any_string_of_a_real_document(data):
    which, document = _draw_original(data)
    path = data.draw(st.sampled_from(_STRINGS[which]))
    old = _get(document, path)
    cut = data.draw(st.integers(0, len(old)))
    _get(document, path[:-1])[path[-1]] = old[:cut] + data.draw(injections) + old[cut:]
    _as_read(document)


@SETTINGS
@given(st.text(max_size=400), st.sampled_from(list(LockFormat)))
def test_lockfile_parsers_only_raise_their_own_errors(text, fmt):
    # read_lockfile turns each of these into one exit-2 line naming the file
    with contextlib.suppress(
        LockParseError, ValueError, KeyError, TypeError, AttributeError, RecursionError
    ):
        lock = PARSERS[fmt](text, MARKERS)
        assert all(isinstance(pin.name, str) for pin in lock.pins)


@SETTINGS
@given(st.text(max_size=2000))
def test_metadata_headers_parse_any_text(text):
    headers = distributions._headers(text)
    assert set(headers) <= {"name", "version", "requires-dist"}


@settings(SETTINGS, max_examples=60)
@given(st.data())
def test_the_command_line_on_mutated_documents(data):
    """Exit 0, 1 or 2; one stderr line on 2; never a traceback; no rebuild folder on failure."""
    _, document = _draw_original(data)
    path = data.draw(st.sampled_from(_PATHS[0]))
    with contextlib.suppress(KeyError, IndexError, TypeError):
        _get(document, path[:-1])[path[-1]] = data.draw(json_values)
    with tempfile.TemporaryDirectory() as tmp:
        sbom = Path(tmp) / "doc.cdx.json"
        sbom.write_text(json.dumps(document))
        out = Path(tmp) / "rebuild"
        for args in (
            ["check", str(DOCUMENTS[0]), str(sbom)],
            ["diff", str(sbom), str(DOCUMENTS[0]), "--format", "markdown"],
            ["validate", str(sbom)],
            ["rebuild", str(sbom), "-o", str(out), "--no-resolve", "--skip-unreproducible"],
        ):
            stdout, stderr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = main(["-q", *args])
            assert code in (0, 1, 2), (args, stderr.getvalue())
            assert "Traceback" not in stderr.getvalue()
            if code == 2:
                assert len(stderr.getvalue().splitlines()) == 1, stderr.getvalue()
                assert args[0] != "rebuild" or not out.exists()
