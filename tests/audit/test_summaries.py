"""The verdict travels with the snapshot: summaries written at put, read by the audit."""

from __future__ import annotations

import dataclasses
import json

import orjson
import pytest

from driftbom import auditpage, compliance
from driftbom.audit import audit, inventory
from driftbom.comparator.policy import default
from driftbom.comparator.severity import Severity
from driftbom.render import Result, rendered
from driftbom.sbom import cyclonedx
from driftbom.store import LocalStore
from driftbom.summaries import parsed, policy_digest, put_if_asked
from tests.audit.pagestore import record
from tests.conftest import run_drift


def _put(store: LocalStore, name: str, six: str, day: int = 1):
    document = record(name, six, day=day)
    snapshot = cyclonedx.parse(document, name)
    stored = put_if_asked(snapshot, document, str(store.root))
    assert stored is not None
    return stored[1]


def _summary(store: LocalStore, hexdigest: str):
    return parsed((store.root / "summaries" / f"{hexdigest}.json").read_bytes())


@pytest.fixture
def fleet(tmp_path):
    """Three names, each with a baseline and a latest: ``b`` drifted a major version."""
    store = LocalStore(tmp_path / "store")
    for name in ("a", "b", "c"):
        _put(store, name, "1.16.0")
    _put(store, "a", "1.16.0", day=2)
    _put(store, "b", "2.0.0", day=2)
    _put(store, "c", "1.16.0", day=2)
    return store


@pytest.fixture
def reads(monkeypatch):
    """Count the documents read from any store."""
    count = {"read": 0}
    real = LocalStore.read

    def counted(self, digest):
        count["read"] += 1
        return real(self, digest)

    monkeypatch.setattr(LocalStore, "read", counted)
    return count


def test_each_put_stores_a_summary_its_entry_names(tmp_path):
    store = LocalStore(tmp_path / "store")
    first = _put(store, "box", "1.16.0")
    latest = _put(store, "box", "2.0.0", day=2)
    mine = _summary(store, latest.summary)
    assert (mine.entry, mine.snapshot, mine.baseline) == (latest.id, latest.digest, first.digest)
    assert mine.verdict == "fail"
    assert mine.policy == policy_digest(default())
    assert mine.causes[0].subject == "pypi:six"
    assert _summary(store, first.summary).verdict == "pass"  # the first: its own baseline
    assert store.history("box")[0].summary == latest.summary  # the entry names it


def test_a_put_whose_comparison_fails_keeps_the_snapshot(tmp_path):
    store = LocalStore(tmp_path / "store")
    _put(store, "box", "1.16.0")
    (store.root / "baselines" / "box").write_text("0" * 64)  # a baseline not stored
    latest = _put(store, "box", "2.0.0", day=2)
    assert latest.summary == ""
    assert store.read(latest.digest)


def test_the_audit_reads_summaries_and_no_document(fleet, reads):
    report = audit(fleet)
    assert (report.errors, report.recomputed, reads["read"]) == ([], 0, 0)
    assert [(r.name, r.summary.verdict) for r in report.results] == [
        ("a", "pass"),
        ("b", "fail"),
        ("c", "pass"),
    ]
    rows = inventory(fleet)
    assert [row["verdict"] for row in rows] == ["pass", "fail", "pass"]
    assert reads["read"] == 0


def test_a_policy_change_recomputes_every_summary_then_reads_them(fleet, reads):
    lenient = dataclasses.replace(default(), fail_on=Severity.CRITICAL)
    changed = audit(fleet, policy=lenient)
    assert changed.recomputed == 3
    assert reads["read"] == 6  # each name's baseline and latest
    assert [r.summary.verdict for r in changed.results] == ["pass", "pass", "pass"]
    reads["read"] = 0
    again = audit(fleet, policy=lenient)
    assert (again.recomputed, reads["read"], again.errors) == (0, 0, [])
    assert audit(fleet).recomputed == 0  # the entries' own, under the default policy


def test_a_summary_altered_in_place_is_reported_and_the_documents_decide(fleet):
    latest = fleet.history("b")[0]
    path = fleet.root / "summaries" / f"{latest.summary}.json"
    data = orjson.loads(path.read_bytes())
    data.update(verdict="pass", score=0, counts=[])
    path.write_bytes(orjson.dumps(data, option=orjson.OPT_SORT_KEYS))
    report = audit(fleet)
    [b] = [r for r in report.results if r.name == "b"]
    assert b.summary.verdict == "fail"
    assert any("b: summary" in e and "altered" in e for e in report.errors)
    assert report.recomputed == 1
    again = audit(fleet)  # the recomputed one is the entry's own: its file was repaired
    assert (again.errors, again.recomputed) == ([], 0)


def test_a_summary_of_other_documents_is_ignored(fleet):
    """A valid summary of ``a`` planted as ``b``'s (a copy under b's entry ref)."""
    a_latest, b_latest = fleet.history("a")[0], fleet.history("b")[0]
    ref = fleet.root / "summary-refs" / "b" / b_latest.id
    ref.parent.mkdir(parents=True)
    ref.write_text(a_latest.summary)
    (fleet.root / "summaries" / f"{b_latest.summary}.json").unlink()  # b's own is gone
    report = audit(fleet)
    [b] = [r for r in report.results if r.name == "b"]
    assert b.summary.verdict == "fail"
    assert any("names other documents than its entry" in e for e in report.errors)


def test_a_malformed_summary_is_never_used(fleet):
    latest = fleet.history("a")[0]
    path = fleet.root / "summaries" / f"{latest.summary}.json"
    data = orjson.loads(path.read_bytes())
    bad_scores = ({"compliance": [["ntia", 101]]}, {"compliance": [["ntia"]]}, {"compliance": 3})
    for bad in (
        {"score": 101}, {"verdict": "maybe"}, {"baseline": "x"}, {"causes": "no"}, *bad_scores,
    ):  # fmt: skip
        assert parsed(orjson.dumps(data | bad)) is None
    assert parsed(b"[]") is None
    assert parsed(b"\xff") is None
    assert parsed(orjson.dumps(data)) is not None


def test_a_moved_baseline_recomputes(fleet):
    fleet.set_baseline("b", fleet.history("b")[0].digest)
    report = audit(fleet)
    assert report.recomputed == 1
    assert [r.summary.verdict for r in report.results] == ["pass", "pass", "pass"]


def _page_size(tmp_path, count: int) -> int:
    store = LocalStore(tmp_path / f"store{count}")
    document = record("n", "1.16.0")
    snapshot = cyclonedx.parse(document, "n")
    for index in range(count):
        put_if_asked(snapshot._replace(name=f"machine-{index:05}"), document, str(store.root))
    report = audit(store)
    assert (report.errors, report.recomputed) == ([], 0)
    results = report.results
    return len(rendered(Result.AUDIT_PAGE, "html", auditpage.sections(store, results, None)))


def test_the_page_grows_by_a_table_row_per_passing_name(tmp_path, monkeypatch):
    monkeypatch.setenv("DRIFT_NO_CACHE", "1")
    small, large = _page_size(tmp_path, 10), _page_size(tmp_path, 60)
    per_name = (large - small) / 50
    assert per_name * 10_000 + small < 5_000_000  # 10,000 names stay under 5 MB


def test_drift_snapshot_and_write_store_summaries(tmp_path):
    import driftbom

    root = tmp_path / "store"
    done = run_drift("snapshot", "--store", str(root), "--name", "box", "-o", "-", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    store = LocalStore(root)
    [first] = store.history("box")
    assert _summary(store, first.summary).verdict == "pass"
    snapshot = driftbom.read(first.digest, store=str(root))
    driftbom.write(snapshot._replace(timestamp="2026-12-01T00:00:00Z"), store=str(root))
    latest = store.history("box")[0]
    assert latest.digest != first.digest
    assert _summary(store, latest.summary).baseline == first.digest


def test_drift_audit_counts_what_it_compares_and_details_failing_names(fleet, tmp_path):
    root = str(fleet.root)
    policy = tmp_path / "policy.toml"
    policy.write_text('fail-on = "critical"\n')
    done = run_drift("audit", "--store", root, "--policy", str(policy))
    assert done.returncode == 0, done.stderr
    assert "audit: 3 names, 3 compared from their documents" in done.stderr
    page = tmp_path / "audit.html"
    again = run_drift("audit", "--store", root, "--html", str(page))
    assert again.returncode == 1
    assert "audit: 3 names, 0 compared from their documents" in again.stderr
    html = page.read_text()
    assert '<section class="name" id="b">' in html
    assert '<section class="name" id="a">' not in html  # passing: a row only
    asked = run_drift("audit", "--store", root, "--html", str(page), "--name", "a", "--name", "b")
    assert asked.returncode == 1
    assert '<section class="name" id="a">' in page.read_text()
    assert '<section class="name" id="c">' not in page.read_text()
    data = run_drift("audit", "--store", root, "--format", "json")
    [b] = [e for e in json.loads(data.stdout)["environments"] if e["name"] == "b"]
    assert (b["verdict"], b["changes"][0]["id"], b["changes_total"]) == ("fail", "pypi:six", 1)


def test_the_page_details_the_failing_names_with_the_highest_scores(fleet, monkeypatch):
    monkeypatch.setenv("DRIFT_NO_CACHE", "1")
    _put(fleet, "d", "1.16.0")
    _put(fleet, "d", "1.17.0", day=2)  # a minor bump: a lower score than b's major one
    monkeypatch.setattr(auditpage, "MAX_FAILING", 1)
    results = audit(fleet, policy=dataclasses.replace(default(), fail_on=Severity.MINOR)).results
    page = auditpage.sections(fleet, results, None)
    assert [s.name for s in page.sections] == ["b"]
    assert page.hidden == 1
    html = rendered(Result.AUDIT_PAGE, "html", page)
    assert "1 more without" in html
    assert '<tr data-name="d"' in html


def test_a_summary_carries_the_records_compliance_scores_to_the_audit_and_page(fleet, tmp_path):
    """Scored at put time from the document as written, the same as drift comply's scores."""
    latest = fleet.history("b")[0]
    mine = _summary(fleet, latest.summary)
    expected = compliance.scores(json.loads(fleet.read(latest.digest)))
    assert dict(mine.compliance) == {k: round(v * 100) for k, v in expected.items()}
    assert set(dict(mine.compliance)) == set(compliance.names())
    done = run_drift("audit", "--store", str(fleet.root), "--format", "json")
    rows = {e["name"]: e for e in json.loads(done.stdout)["environments"]}
    assert rows["b"]["compliance"] == dict(mine.compliance)
    page = tmp_path / "page.html"
    run_drift("audit", "--store", str(fleet.root), "--html", str(page))
    html = page.read_text()
    lowest = min(score for _, score in mine.compliance)
    assert f'<td data-sort="{lowest}" title="eu-ai-act-annex-iv ' in html
    assert ">compliance</th>" in html
