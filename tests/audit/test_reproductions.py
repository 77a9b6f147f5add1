"""Each name's last reproduction (NAME.reproduced) in drift audit, drift ls and the page."""

from __future__ import annotations

import hashlib
import json

import pytest

from driftbom.audit import audit, inventory
from driftbom.properties import Prop
from driftbom.store import LocalStore
from tests.audit.pagestore import page_store, record
from tests.audit.test_page import HOSTILE, page
from tests.conftest import run_drift


def rerun(name: str, verdict: str, of: bytes | str, day: int = 5) -> bytes:
    """Return a rerun's record of ``name``: its verdict and the record it reproduced."""
    digest = of if isinstance(of, str) else "sha256:" + hashlib.sha256(of).hexdigest()
    doc = json.loads(record(name, "1.16.0", "0.9", day=day))
    doc["metadata"]["properties"] += [
        {"name": Prop.REPRODUCE_VERDICT, "value": verdict},
        {"name": Prop.REPRODUCE_OF, "value": digest},
        {"name": Prop.REPRODUCE_REASON, "value": "accuracy: 0.9 recorded, 0.8 rerun"},
    ]
    return json.dumps(doc).encode()


def latest(store: LocalStore, name: str) -> bytes:
    return store.read(store.history(name)[0].digest)


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("DRIFT_CACHE_DIR", str(tmp_path / "cache"))
    found = page_store(tmp_path / "store")
    found.put("ci.reproduced", rerun("ci", "identical", latest(found, "ci"), day=4))
    found.put("ci.reproduced", rerun("ci", "not reproduced", latest(found, "ci")))
    return found


def drift(store: LocalStore, *args: str):
    return run_drift(*args, "--store", str(store.root))


def test_the_last_reproduction_is_folded_into_its_name(store):
    results, errors, _ = audit(store)
    assert errors == []
    assert [r.name for r in results] == ["ci", "train"]
    ci = results[0]
    assert ci.reproduction is not None
    assert ci.reproduction.verdict == "not reproduced"  # the newest of two
    assert ci.reproduction.of == ci.latest
    assert ci.reproduction.digest == store.history("ci.reproduced")[0].digest
    assert results[1].reproduction is None
    rows = {row["name"]: row for row in inventory(store)}
    assert set(rows) == {"ci", "train"}
    assert rows["ci"]["reproduction"]["verdict"] == "not reproduced"
    assert rows["train"]["reproduction"] is None


def test_a_reproductions_name_without_its_name_is_a_name_of_its_own(tmp_path):
    store = LocalStore(tmp_path / "store")
    store.put("lone.reproduced", rerun("lone", "identical", "sha256:" + "a" * 64))
    results = audit(store).results
    assert [r.name for r in results] == ["lone.reproduced"]


def test_a_not_reproduced_last_reproduction_is_shown_and_does_not_fail_the_audit(store):
    done = drift(store, "audit", "--name", "ci")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[last reproduction: NOT REPRODUCED " in done.stdout
    assert f"of sha256:{store.history('ci')[0].digest[:12]} (the latest)" in done.stdout
    as_json = json.loads(drift(store, "audit", "--name", "ci", "--format", "json").stdout)
    shown = as_json["environments"][0]["reproduction"]
    assert shown["verdict"] == "not reproduced"
    assert shown["of"] == store.history("ci")[0].digest
    markdown = drift(store, "audit", "--format", "markdown").stdout
    assert "| last reproduction |" in markdown
    assert "| NOT REPRODUCED " in markdown


def test_blocked_is_shown_too(store):
    store.put("train.reproduced", rerun("train", "blocked", latest(store, "train"), day=6))
    done = drift(store, "ls")
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines()}
    assert set(lines) == {"ci", "train"}
    assert "last reproduction: BLOCKED " in lines["train"]
    assert "last reproduction: NOT REPRODUCED " in lines["ci"]
    rows = json.loads(drift(store, "ls", "--format", "json").stdout)
    assert [r["reproduction"]["verdict"] for r in rows] == ["not reproduced", "blocked"]


def test_the_page_shows_it_in_the_summary_and_the_section(store, tmp_path):
    out = tmp_path / "audit.html"
    done = drift(store, "audit", "--html", str(out), "--name", "*")
    assert done.returncode == 1, done.stderr  # train's own drift, not the reproduction
    html = out.read_text()
    assert "<th>last reproduction</th>" in html
    assert '<td class="reproduction fail"' in html
    assert '<span class="state">NOT REPRODUCED</span>' in html
    assert "none stored" in html  # train has none
    assert "http" not in html.replace("http://www.w3.org/2000/svg", "")


def test_an_older_record_reproduced_is_not_called_the_latest(store):
    first = store.read(store.history("train")[-1].digest)
    store.put("train.reproduced", rerun("train", "identical", first, day=6))
    line = next(x for x in drift(store, "audit").stdout.splitlines() if x.startswith("train"))
    assert "[last reproduction: IDENTICAL " in line
    assert "(the latest)" not in line


def test_hostile_values_are_shown_as_unknown_or_escaped(store, tmp_path):
    store.put("train.reproduced", rerun("train", HOSTILE, HOSTILE, day=6))
    results, errors, _ = audit(store)
    assert errors == []
    train = results[1].reproduction
    assert train is not None
    assert (train.verdict, train.of) == ("unknown", None)
    html = page(store, results)
    assert "<img" not in html
    assert '<span class="state">UNKNOWN</span>' in html
    for fmt in ("text", "markdown", "json"):
        shown = drift(store, "audit", "--format", fmt).stdout
        assert "<img" not in shown
        assert "\x1b" not in shown
        assert "an unnamed record" in shown or fmt == "json"


def test_an_unreadable_last_reproduction_is_an_error_not_a_traceback(store):
    store.put("train.reproduced", b"{not json")
    done = drift(store, "audit")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "error: train: its last reproduction: " in done.stderr
    listed = drift(store, "ls")
    assert listed.returncode == 0, listed.stderr
    assert "last reproduction: error: " in listed.stdout
