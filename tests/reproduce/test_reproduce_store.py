"""drift reproduce --store keeps the rerun's record as NAME.reproduced; audit and ls show it."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest

from driftbom.store import LocalStore
from tests.conftest import run_drift
from tests.reproduce.test_cli_reproduce import Project


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, LocalStore, str]:
    if shutil.which("git") is None:
        pytest.skip("needs git")
    project = Project(tmp_path_factory.mktemp("reproduce-store"))
    store = LocalStore(project.root / "store")
    name = json.loads(project.run.read_text())["metadata"]["component"]["name"]
    store.put(name, project.run.read_bytes())
    return project, store, name


def test_a_reproduction_is_kept_under_its_own_name_and_shown(stored):
    project, store, name = stored
    where = str(store.root)
    out = project.root / "kept.cdx.json"
    done = project.reproduce(f"{name}@latest", "--store", where, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert f"stored the reproduction as {name}.reproduced" in done.stderr
    kept = store.history(f"{name}.reproduced")
    assert len(kept) == 1
    assert store.read(kept[0].digest) == out.read_bytes()
    assert len(store.history(name)) == 1  # NAME@latest is still the recorded run
    audit = run_drift("audit", "--store", where, "--format", "json")
    assert audit.returncode == 0, audit.stderr
    [shown] = json.loads(audit.stdout)["environments"]
    run_digest = hashlib.sha256(project.run.read_bytes()).hexdigest()
    assert shown["reproduction"]["verdict"] == "identical"
    assert shown["reproduction"]["of"] == run_digest == shown["latest"]
    listed = run_drift("ls", "--store", where)
    assert "last reproduction: IDENTICAL " in listed.stdout
    assert len(listed.stdout.splitlines()) == 1


def test_without_store_nothing_is_kept(stored, tmp_path):
    project, store, _ = stored
    before = store.names()
    done = project.reproduce(str(project.run), "-o", str(tmp_path / "r.cdx.json"))
    assert done.returncode == 0, done.stderr
    assert "stored the reproduction" not in done.stderr
    assert store.names() == before


def _kept(store: LocalStore, name: str) -> list[str]:
    return [e.digest for e in store.history(name)] if name in store.names() else []


def test_a_blocked_reproduction_keeps_the_attempt_and_audit_shows_it(stored, tmp_path):
    project, store, name = stored
    clone = project.clone("blocked")
    (clone / "data" / "points.csv").write_text("1\n2\n4\n")
    before = _kept(store, f"{name}.reproduced")
    where = str(store.root)
    done = project.reproduce(
        f"{name}@latest", "--store", where, "-o", str(tmp_path / "b.cdx.json"), code=clone
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout.startswith("BLOCKED")
    assert not (tmp_path / "b.cdx.json").exists()  # nothing ran: no rerun record
    after = _kept(store, f"{name}.reproduced")
    assert len(after) == len(before) + 1
    attempt = json.loads(store.read(after[0]))
    props = {p["name"]: p["value"] for p in attempt["metadata"]["properties"]}
    assert props["drift:reproduce:verdict"] == "blocked"
    assert "points.csv" in json.dumps(attempt["metadata"]["properties"])
    assert attempt.get("components", []) == []  # no environment is claimed
    audit = run_drift("audit", "--store", where)
    assert audit.returncode == 0, audit.stdout + audit.stderr  # shown, not failing
    assert "[last reproduction: BLOCKED " in audit.stdout


def test_a_plan_keeps_nothing(stored, tmp_path):
    project, store, name = stored
    before = _kept(store, f"{name}.reproduced")
    done = project.reproduce(f"{name}@latest", "--store", str(store.root), "--plan")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _kept(store, f"{name}.reproduced") == before


def test_a_name_too_long_for_its_reproductions_is_refused_before_anything_runs(stored, tmp_path):
    project, store, _ = stored
    doc = json.loads(project.run.read_text())
    doc["metadata"]["component"]["name"] = "n" * 120
    run = tmp_path / "long.cdx.json"
    run.write_text(json.dumps(doc))
    done = project.reproduce(str(run), "--store", str(store.root), "-o", str(tmp_path / "x.json"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "store name" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.json").exists()
