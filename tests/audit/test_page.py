"""The audit page's data: timelines, metrics, lineage, and the cache of scores by digest."""

from __future__ import annotations

import json
import os

import pytest

from driftbom import auditpage
from driftbom.audit import MAX_LINEAGE, audit
from driftbom.comparator.policy import Policy, default
from driftbom.comparator.severity import Severity
from driftbom.render import Result, charts, rendered
from driftbom.sbom import cyclonedx
from driftbom.store import LocalStore
from tests.audit.pagestore import page_store, record
from tests.conftest import run_drift


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("DRIFT_CACHE_DIR", str(folder))
    monkeypatch.delenv("DRIFT_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def work(monkeypatch):
    """Count the comparisons and parses the page does."""
    counts = {"check": 0, "parse": 0}
    real_check, real_parse = auditpage.check, cyclonedx.parse

    def counted_check(*args, **kwargs):
        counts["check"] += 1
        return real_check(*args, **kwargs)

    def counted_parse(*args, **kwargs):
        counts["parse"] += 1
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(auditpage, "check", counted_check)
    monkeypatch.setattr(cyclonedx, "parse", counted_parse)
    return counts


def page(store, results, policy=None):
    """The audit page, as ``drift audit --html`` writes it."""
    return rendered(Result.AUDIT_PAGE, "html", auditpage.sections(store, results, policy, ("*",)))


def _page(store, policy=None):
    results, errors, _ = audit(store, policy=policy)
    assert errors == []
    return results, page(store, results, policy)


def test_a_repeat_page_costs_only_the_new_snapshots(tmp_path, cache, work):
    store = page_store(tmp_path / "store")
    _, first = _page(store)
    assert work["check"] == 3  # train's first three (the audit compared its latest), ci none
    work.update(check=0, parse=0)
    _, again = _page(store)
    assert again == first
    assert work["check"] == 0
    assert work["parse"] == 0  # the audit read the summaries it stored back the first time
    store.put("train", record("train", "1.17.0", "0.96", day=5))
    work.update(check=0, parse=0)
    _, third = _page(store)
    assert work["check"] == 0  # the new one: the audit compared it, the page took its score
    assert work["parse"] == 2  # the audit's own (train's two): the page took the card from it
    assert "0.96" in third


def test_each_point_has_its_own_score_and_metric(tmp_path, cache):
    store = page_store(tmp_path / "store")
    results = audit(store).results
    [train] = [
        s for s in auditpage.sections(store, results, None, ("*",)).sections if s.name == "train"
    ]
    assert [p.score for p in train.timeline] == [0, 0, 5, 40]
    assert [p.failed for p in train.timeline] == [False, False, False, True]
    assert [dict(p.metrics)["accuracy"] for p in train.timeline] == [
        "0.9515", "0.9532", "0.9561", "0.9113",
    ]  # fmt: skip
    assert [p.timestamp[:10] for p in train.timeline] == [
        "2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04",
    ]  # fmt: skip
    assert train.summary.run == "failed (exit 3)"
    assert train.summary.phase == "training"
    assert [n.digest for n in train.lineage] == [e.digest for e in reversed(store.history("train"))]
    assert not train.earlier


def test_another_policy_is_scored_again(tmp_path, cache, work):
    store = page_store(tmp_path / "store")
    _page(store)
    lenient = Policy(severities=default().severities, fail_on=Severity.CRITICAL)
    work.update(check=0)
    results, _ = _page(store, lenient)
    assert work["check"] == 3
    [train] = [
        s for s in auditpage.sections(store, results, lenient, ("*",)).sections if s.name == "train"
    ]
    assert not any(p.failed for p in train.timeline)


HOSTILE_ENTRIES = [
    [1000, True],  # a score out of range
    ["40", False],
    [40],
    {"score": 40},
    None,
]


@pytest.mark.parametrize("bad", HOSTILE_ENTRIES)
def test_a_bad_cache_entry_is_computed_again(tmp_path, cache, work, bad):
    store = page_store(tmp_path / "store")
    _, clean = _page(store)
    [file] = cache.glob("audit-page-*.json")
    data = json.loads(file.read_text())
    for key in data["entries"]:
        if key.startswith("score:"):
            data["entries"][key][1] = bad
        else:  # a card: a parent that is not a digest, a metric that is not text
            data["entries"][key][1][2] = "../../etc/passwd"
            data["entries"][key][1][5] = [["accuracy", 1]]
    file.write_text(json.dumps(data))
    work.update(check=0)
    _, again = _page(store)
    assert again == clean
    assert work["check"] == 3


def test_a_cache_folder_others_can_write_is_not_used(tmp_path, cache, work):
    store = page_store(tmp_path / "store")
    _page(store)
    os.chmod(cache, 0o777)  # noqa: PTH101, S103 - the attack: a folder others can write
    work.update(check=0)
    _page(store)
    assert work["check"] == 3


def test_no_cache_when_it_is_turned_off(tmp_path, cache, monkeypatch, work):
    monkeypatch.setenv("DRIFT_NO_CACHE", "1")
    store = page_store(tmp_path / "store")
    _page(store)
    _page(store)
    assert work["check"] == 6
    assert not cache.exists()


def test_a_parent_the_store_does_not_hold_ends_the_lineage(tmp_path, cache):
    store = LocalStore(tmp_path / "store")
    orphan = record("train", "1.16.0", parent=b"a document never stored")
    store.put("train", orphan)
    results = audit(store).results
    [section] = auditpage.sections(store, results, None, ("*",)).sections
    assert [n.found for n in section.lineage] == [False, True]
    assert not section.earlier
    html = page(store, results)
    assert "a parent the store does not hold" in html


def test_a_long_lineage_says_earlier_runs_are_not_drawn(tmp_path, cache):
    store = LocalStore(tmp_path / "store")
    previous = None
    for day in range(1, MAX_LINEAGE + 4):
        previous_doc = record("train", f"1.{day}.0", parent=previous, day=min(day, 28))
        store.put("train", previous_doc)
        previous = previous_doc
    results = audit(store).results
    [section] = auditpage.sections(store, results, None, ("*",)).sections
    assert len(section.lineage) == MAX_LINEAGE + 1
    assert section.earlier
    assert section.lineage[-1].digest == results[0].latest
    assert "earlier runs are not drawn" in page(store, results)


HOSTILE = "<img src=x onerror=alert(1)></text><script>alert(2)</script>\x1b[2K"


def test_hostile_values_are_escaped_everywhere(tmp_path, cache):
    store = LocalStore(tmp_path / "store")
    store.put("box", record("box", "1.16.0", "0.9"))
    hostile = json.loads(record("box", HOSTILE, HOSTILE))
    hostile["metadata"]["properties"].append({"name": f"drift:metric:{HOSTILE}", "value": "1"})
    hostile["metadata"]["component"]["name"] = HOSTILE
    store.put("box", json.dumps(hostile).encode())
    results = audit(store).results
    html = page(store, results)
    assert "<img" not in html
    assert "<script>alert" not in html
    assert "</text><script" not in html
    assert "\x1b" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count("<script>") == 1  # the page's own


def test_the_time_axis_and_scales():
    one = charts.chart([charts.Value("2026-11-04T08:00:00Z", 40, "t")], charts.SCORE_SCALE, "s")
    assert one is not None
    assert [(t["date"], t["time"]) for t in one["ticks"]] == [("2026-11-04", "08:00:00 UTC")]
    assert one["points"][0]["x"] == f"{(charts.LEFT + charts.RIGHT) / 2:.2f}"
    days = [charts.Value(f"2026-11-{d:02}T08:00:00Z", d, "t") for d in (1, 5, 9)]
    many = charts.chart(days, charts.scale_for([1, 9]), "m")
    assert many is not None
    assert [t["date"] for t in many["ticks"]] == ["2026-11-01", "2026-11-05", "2026-11-09"]
    assert [t["time"] for t in many["ticks"]] == ["", "", ""]  # days apart: dates say it
    assert [g["label"] for g in many["grid"]] == ["1", "5", "9"]
    assert charts.scale_for([0.5, 0.5]) == (0.45, 0.5, 0.55)
    assert charts.chart([charts.Value("yesterday", 1, "t")], (0, 1), "x") is None


def test_another_process_reads_the_scores_the_last_page_kept(tmp_path, cache):
    """The cache's keys do not depend on the process (its hash seed orders sets differently)."""
    store = page_store(tmp_path / "store")
    html = tmp_path / "page.html"
    args = ("audit", "--store", str(store.root), "--html", str(html))
    assert run_drift(*args, env={"PYTHONHASHSEED": "1"}).returncode == 1
    [file] = cache.glob("audit-page-*.json")
    data = json.loads(file.read_text())
    for key, entry in data["entries"].items():
        if key.startswith("score:"):
            entry[1] = [77, False]  # a mark: only a page that reads the cache shows it
    file.write_text(json.dumps(data))
    assert run_drift(*args, env={"PYTHONHASHSEED": "2"}).returncode == 1
    assert "score 77" in html.read_text()


def test_without_script_the_summary_is_a_plain_table(tmp_path, cache):
    store = page_store(tmp_path / "store")
    _, html = _page(store)
    assert '<form class="filters" id="filters" hidden>' in html  # shown by the script only
    rows = html.split('<table id="summary">', 1)[1].split("</table>", 1)[0]
    assert rows.count("<tr data-name=") == 2
    assert 'data-verdict="fail" data-phase="training"' in rows
