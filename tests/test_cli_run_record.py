"""drift snapshot --params/--param/--phase, and check naming each changed key."""

from __future__ import annotations

import json
import sys

from tests.conftest import FIXTURES, assert_valid, run_drift

TRAIN = FIXTURES / "params" / "train.yaml"


def _snapshot(tmp_path, name, *args):
    out = tmp_path / name
    done = run_drift(
        "snapshot", "--python", sys.executable, "--no-cache", "-o", str(out), *args, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    return out


def test_params_and_phase_are_recorded_in_formulation_and_lifecycles(tmp_path):
    out = _snapshot(tmp_path, "a.json", "--params", str(TRAIN), "--phase", "training")
    document = json.loads(out.read_text())
    assert_valid(document)
    (formula,) = document["formulation"]
    (params,) = formula["components"]
    assert params["bom-ref"] == "params"
    assert params["type"] == "data"
    assert not any(c["bom-ref"] == "params" for c in document["components"])
    assert document["metadata"]["lifecycles"] == [
        {"phase": "build"},
        {"name": "training", "description": "driftbom phase"},
    ]


def test_a_changed_learning_rate_is_critical_and_named(tmp_path):
    before = _snapshot(tmp_path, "a.json", "--params", str(TRAIN))
    after = _snapshot(
        tmp_path, "b.json", "--params", str(TRAIN), "--param", "optimizer.lr=3e-4",
        "--param", "token=hunter2",
    )  # fmt: skip
    done = run_drift("check", str(before), str(after), "--format", "json")
    assert done.returncode == 1
    changes = {c["field"]: c for c in json.loads(done.stdout)["changes"]}
    lr = changes["drift:params:optimizer.lr"]
    assert (lr["severity"], lr["reference"], lr["current"]) == ("critical", "0.001", "0.0003")
    assert changes["drift:params:token"]["current"] == "***"
    text = run_drift("check", str(before), str(after))
    assert "optimizer.lr: 0.001 -> 0.0003" in text.stdout
    assert "hunter2" not in text.stdout + after.read_text()


def test_an_unknown_phase_is_a_usage_error(tmp_path):
    done = run_drift("snapshot", "--phase", "trainig", "-o", str(tmp_path / "x.json"))
    assert done.returncode == 2
    assert done.stderr.startswith("drift: error: --phase trainig: not a lifecycle phase")
    assert len(done.stderr.splitlines()) == 1
    assert not (tmp_path / "x.json").exists()


def test_a_bad_params_file_is_a_usage_error(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("a: [")
    done = run_drift("snapshot", "--params", str(bad), "-o", str(tmp_path / "x.json"))
    assert done.returncode == 2
    assert done.stderr.startswith(f"drift: error: --params/--param {bad}: not valid YAML")


def _git_repo(tmp_path):
    import subprocess

    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args):
        subprocess.run(
            ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e", *args],
            check=True,
            capture_output=True,
        )

    git("init", "-q", "-b", "main")
    (repo / "train.py").write_text("LR = 1e-3\n")
    git("add", ".")
    git("commit", "-qm", "first")
    return repo, git


def _run_record(repo, name):
    out = repo.parent / name
    done = run_drift(
        "run", "--python", sys.executable, "--no-cache", "-o", str(out), "--",
        sys.executable, "-c", "pass", cwd=repo,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out


def test_the_gate_passes_a_code_only_commit(tmp_path):
    repo, git = _git_repo(tmp_path)
    reference = _snapshot(repo, "drift.cdx.json")
    git("add", "drift.cdx.json")
    git("commit", "-qm", "the reference")
    (repo / "train.py").write_text("LR = 3e-4\n")
    git("commit", "-qam", "code only")
    document = json.loads(reference.read_text())
    (git_comp,) = (c for c in document["formulation"][0]["components"] if c["bom-ref"] == "git")
    assert len(git_comp["version"]) == 40
    done = run_drift(
        "check", str(reference), "--python", sys.executable, "--format", "json", cwd=repo
    )
    assert done.returncode == 0, done.stdout
    changes = json.loads(done.stdout)["changes"]
    assert [c for c in changes if c["id"] in ("git", "layer:code")] == []


def test_two_run_records_report_another_commit_and_a_dirty_tree(tmp_path):
    repo, git = _git_repo(tmp_path)
    first = _run_record(repo, "first.json")
    (repo / "train.py").write_text("LR = 3e-4\n")
    dirty = _run_record(repo, "dirty.json")
    git("commit", "-qam", "second")
    second = _run_record(repo, "second.json")
    found = json.loads(run_drift("diff", str(first), str(dirty), "--format", "json").stdout)
    assert {(c["field"], c["severity"]) for c in found["changes"] if c["id"] == "git"} == {
        ("drift:git:dirty", "minor"),
        ("drift:git:diff-digest", "minor"),
    }
    done = run_drift("check", str(first), str(second), "--format", "json")
    (change,) = [c for c in json.loads(done.stdout)["changes"] if c["id"] == "git"]
    assert (change["rule"], change["severity"]) == ("code-revision", "minor")
    assert done.returncode == 0  # minor: reported, below the default fail-on
    strict = run_drift("check", str(first), str(second), "--fail-on", "minor")
    assert strict.returncode == 1
    assert "code-revision" not in strict.stdout  # the text names the change, not the rule
    assert "git" in strict.stdout
    env1 = _snapshot(repo, "env1.json")
    git("commit", "--allow-empty", "-qm", "third")
    env2 = _snapshot(repo, "env2.json")
    plain = json.loads(run_drift("diff", str(env1), str(env2), "--format", "json").stdout)
    assert [c for c in plain["changes"] if c["id"] == "git"] == []  # environments: no code


def test_the_done_when_run_a_dataset_byte_and_a_learning_rate(tmp_path):
    """200 files, one byte changed, one learning rate changed: exit 1, both named, critical."""
    train = tmp_path / "train"
    train.mkdir()
    for i in range(200):
        (train / f"{i:03}.bin").write_bytes(bytes([i % 256]) * 256)
    first = _snapshot(tmp_path, "a.json", "--dataset", f"train={train}", "--params", str(TRAIN))
    assert_valid(json.loads(first.read_text()))
    data = bytearray((train / "042.bin").read_bytes())
    data[10] ^= 1
    (train / "042.bin").write_bytes(bytes(data))
    second = _snapshot(
        tmp_path, "b.json", "--dataset", f"train={train}", "--params", str(TRAIN),
        "--param", "optimizer.lr=3e-4",
    )  # fmt: skip
    done = run_drift("check", str(first), str(second))
    assert done.returncode == 1
    assert "CRITICAL dataset:train" in done.stdout
    assert "1 changed (042.bin)" in done.stdout
    assert "optimizer.lr: 0.001 -> 0.0003" in done.stdout


def test_bad_datasets_are_one_line_exit_2(tmp_path):
    (tmp_path / "d").mkdir()
    for args, needle in (
        (["--dataset", str(tmp_path / "missing")], "no such file or folder"),
        (["--dataset", f"a={tmp_path / 'd'}", "--dataset", f"a={tmp_path / 'd'}"], "named twice"),
        (["--dataset", f"no name={tmp_path / 'd'}"], "the name must be"),
    ):
        done = run_drift("snapshot", *args, "-o", str(tmp_path / "x.json"))
        assert done.returncode == 2, done.stderr
        assert done.stderr.startswith("drift: error: --dataset "), done.stderr
        assert needle in done.stderr
        assert len(done.stderr.splitlines()) == 1


def test_lineage_walks_three_runs_whatever_the_order_given(tmp_path):
    train = tmp_path / "train"
    train.mkdir()
    (train / "a.csv").write_text("1\n")
    common = ("--dataset", f"train={train}", "--params", str(TRAIN))
    first = _snapshot(tmp_path, "r1.json", "--name", "run-1", *common)
    second = _snapshot(
        tmp_path, "r2.json", "--name", "run-2", *common, "--param", "optimizer.lr=3e-4",
        "--parent", str(first),
    )  # fmt: skip
    (train / "a.csv").write_text("2\n")
    third = _snapshot(
        tmp_path, "r3.json", "--name", "run-3", *common, "--param", "optimizer.lr=3e-4",
        "--parent", str(second),
    )  # fmt: skip
    done = run_drift("lineage", str(third), str(first), str(second), "--format", "json")
    assert done.returncode == 0, done.stderr
    steps = json.loads(done.stdout)
    assert [s["name"] for s in steps] == ["run-1", "run-2", "run-3"]
    assert steps[0]["parent"] is None
    assert steps[1]["changes"]["params"] == ["optimizer.lr: 0.001 -> 0.0003"]
    assert steps[1]["changes"]["datasets"] == []
    assert steps[2]["changes"]["params"] == []
    assert "1 changed (a.csv)" in steps[2]["changes"]["datasets"][0]
    assert steps[2]["changes"]["environment"] == []
    text = run_drift("lineage", str(first), str(second), str(third))
    assert "3. run-3" in text.stdout
    assert "after run-2 (sha256:" in text.stdout
    assert f", {second}):" in text.stdout  # the file that holds the parent


def test_a_bad_parent_is_exit_2(tmp_path):
    done = run_drift("snapshot", "--parent", str(tmp_path / "nope.json"), "-o", str(tmp_path / "x"))
    assert done.returncode == 2
    assert done.stderr.startswith(f"drift: error: --parent {tmp_path / 'nope.json'}: no such file")


TRAIN_SCRIPT = """
import pathlib, sys
pathlib.Path("out").mkdir(exist_ok=True)
pathlib.Path("out/model.bin").write_bytes(b"weights " + sys.argv[-1].encode())
print("trained", flush=True)
sys.exit(int(sys.argv[-1]))
"""


def test_drift_run_records_the_command_and_what_it_wrote(tmp_path):
    (tmp_path / "train.py").write_text(TRAIN_SCRIPT)
    out = tmp_path / "run.cdx.json"
    done = run_drift(
        "run", "--python", sys.executable, "--model", "clf=out", "-o", str(out), "--",
        sys.executable, "train.py", "--api-key", "sk-hunter2", "--lr=3e-4", "0", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "trained" in done.stdout  # the command's output, streamed
    document = json.loads(out.read_text())
    assert_valid(document)
    (flow,) = document["formulation"][0]["workflows"]
    command = flow["steps"][0]["commands"][0]["executed"]
    assert command.endswith("train.py --api-key '***' --lr=3e-4 0")
    props = {p["name"]: p["value"] for p in flow["properties"]}
    assert props["drift:run:status"] == "succeeded"
    assert props["drift:run:cwd"] == str(tmp_path)
    assert any(c["bom-ref"] == "model:clf" for c in document["components"])  # hashed after
    assert "hunter2" not in out.read_text() + done.stderr


def test_a_failing_command_is_recorded_as_failed_with_its_exit_code(tmp_path):
    (tmp_path / "train.py").write_text(TRAIN_SCRIPT)
    ok, failed = tmp_path / "ok.json", tmp_path / "failed.json"
    for path, code in ((ok, "0"), (failed, "3")):
        done = run_drift(
            "run", "--python", sys.executable, "-o", str(path), "--", sys.executable, "train.py",
            code, cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == int(code)
        assert path.is_file()
    flow = json.loads(failed.read_text())["formulation"][0]["workflows"][0]
    assert {p["name"]: p["value"] for p in flow["properties"]}["drift:run:status"] == "failed"
    found = json.loads(run_drift("diff", str(ok), str(failed), "--format", "json").stdout)
    by_field = {c["field"]: c for c in found["changes"] if c["id"] == "run"}
    assert by_field["command"]["severity"] == "critical"
    assert by_field["status"]["current"] == "exit 3"


def test_a_command_that_cannot_start_is_exit_127(tmp_path):
    done = run_drift("run", "-o", str(tmp_path / "x.json"), "--", "no-such-command-here")
    assert done.returncode == 127
    assert "no-such-command-here: cannot run it" in done.stderr
    assert not (tmp_path / "x.json").exists()


def test_inspect_flags_a_dirty_tree_and_an_unhashed_pin(tmp_path):
    import subprocess

    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "-C", str(repo), "init", "-q"], check=True)
    (repo / "train.py").write_text("LR = 1\n")
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e", "add", "."],
        check=True,
    )
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "x"],
        check=True,
    )
    (repo / "train.py").write_text("LR = 2\n")
    out = _snapshot(repo, "../dirty.json", "--param", "seed=1")
    done = run_drift("inspect", str(out), "--format", "json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    checks = {c["name"]: c for c in found["checks"]}
    assert checks["committed code"]["passed"] is False
    assert checks["committed code"]["fix"] == "commit before the run"
    assert checks["hashed pins"]["passed"] is False  # nothing installed here carries a hash
    assert "record a hashed lockfile" in checks["hashed pins"]["fix"]
    assert checks["seed recorded"]["passed"] is True
    assert 0 <= found["score"] < 100
    text = run_drift("inspect", str(out))
    assert "FAIL  committed code" in text.stdout
    assert "reproducibility score:" in text.stdout


def test_done_when_the_whole_run_record(tmp_path):
    """200 files, a safetensors file, YAML params, a git commit and a phase; then one byte and
    one learning rate: critical changes naming the dataset, the file and the key, nothing for
    the untouched model."""
    import subprocess

    from tests.inputs.test_models import safetensors

    repo = tmp_path / "repo"
    train = repo / "data" / "train"
    train.mkdir(parents=True)
    for i in range(200):
        (train / f"{i:03}.bin").write_bytes(bytes([i % 256]) * 128)
    weights = safetensors(repo / "clf.safetensors", {"w": ("F32", [8, 4])})
    (repo / "params.yaml").write_text((TRAIN).read_text())
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "data and config"]):
        subprocess.run(
            ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e", *args],
            check=True, capture_output=True,
        )  # fmt: skip
    common = ("--dataset", "train=data/train", "--model", "clf=clf.safetensors",
              "--params", "params.yaml", "--phase", "training")  # fmt: skip
    first = _snapshot(repo, "../first.json", *common)
    document = json.loads(first.read_text())
    assert_valid(document)
    types = {c["bom-ref"]: c["type"] for c in document["components"]}
    assert types["dataset:train"] == "data"
    assert types["model:clf"] == "machine-learning-model"
    model = next(c for c in document["components"] if c["bom-ref"] == "model:clf")
    assert model["modelCard"]["modelParameters"]["datasets"] == [{"ref": "dataset:train"}]
    formula = {c["bom-ref"]: c for c in document["formulation"][0]["components"]}
    assert len(formula["git"]["version"]) == 40
    assert {"phase": "build"} in document["metadata"]["lifecycles"]
    data = bytearray((train / "042.bin").read_bytes())
    data[0] ^= 0xFF
    (train / "042.bin").write_bytes(bytes(data))
    second = _snapshot(repo, "../second.json", *common, "--param", "optimizer.lr=3e-4")
    done = run_drift("check", str(first), str(second), "--format", "json")
    assert done.returncode == 1
    changes = json.loads(done.stdout)["changes"]
    critical = {(c["id"], c["field"]) for c in changes if c["severity"] == "critical"}
    assert ("dataset:train", "hashes") in critical
    assert ("params", "drift:params:optimizer.lr") in critical
    dataset = next(c for c in changes if c["id"] == "dataset:train")
    assert "1 changed (042.bin)" in dataset["reason"]
    assert not [c for c in changes if c["id"] == "model:clf"]
    assert weights.is_file()


def test_a_large_dataset_keeps_its_manifest_in_a_checked_sidecar(tmp_path, monkeypatch):
    """Over 1,000 files the manifest is a content-addressed file beside the document."""
    big = tmp_path / "big"
    big.mkdir()
    for i in range(1005):
        (big / f"{i:04}.txt").write_text(str(i))
    out = tmp_path / "docs" / "a.json"
    out.parent.mkdir()
    first = _snapshot(tmp_path, "docs/a.json", "--dataset", f"big={big}")
    document = first.read_text()
    assert "drift:dataset:manifest-ref" in document
    assert '"drift:dataset:manifest"' not in document  # the SBOM stays small
    (sidecar,) = (tmp_path / "docs" / "drift-manifests").iterdir()
    assert sidecar.read_text().count("\n") == 1005
    (big / "0500.txt").write_text("changed")
    second = _snapshot(tmp_path, "docs/b.json", "--dataset", f"big={big}")
    assert len(list((tmp_path / "docs" / "drift-manifests").iterdir())) == 2
    done = run_drift("check", str(first), str(second))
    assert "1 changed (0500.txt)" in done.stdout
    sidecar.write_text("forged\n")  # no longer the manifest the document names: not used
    done = run_drift("check", str(first), str(second))
    assert "no per-file manifest" in done.stdout


def test_a_failed_latest_run_fails_the_audit_and_shows_in_ls(tmp_path):
    store = tmp_path / "store"
    train = "import pathlib; raise SystemExit(int(pathlib.Path('code').read_text()))"
    for code in (0, 3):
        (tmp_path / "code").write_text(str(code))  # the same command, another outcome
        done = run_drift(
            "run", "--python", sys.executable, "--no-cache", "--store", str(store),
            "--name", "train", "-o", str(tmp_path / f"r{code}.json"), "--",
            sys.executable, "-c", train, cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == code, done.stderr
    audit = run_drift("audit", "--store", str(store))
    assert audit.returncode == 1, audit.stdout + audit.stderr
    lines = audit.stdout.splitlines()
    assert lines[0].startswith("train  FAIL:")
    assert lines[0].endswith("(run failed (exit 3))  [signature: unsigned]")
    assert any(line.strip().startswith("MAJOR run: the run failed: exit 3") for line in lines[1:])
    markdown = run_drift("audit", "--store", str(store), "--format", "markdown").stdout
    assert "| | MAJOR run: the run failed: exit 3" in markdown
    data = json.loads(run_drift("audit", "--store", str(store), "--format", "json").stdout)
    (env,) = data["environments"]
    assert env["run"] == "failed (exit 3)"
    assert "run-failed" in {c["rule"] for c in env["changes"]}
    listed = run_drift("ls", "--store", str(store))
    assert "run failed (exit 3)" in listed.stdout


def test_a_metric_regression_beyond_its_tolerance_fails_the_gate(tmp_path):
    train = (
        "import json, pathlib; pathlib.Path('m.json').write_text(pathlib.Path('acc').read_text())"
    )
    runs = {}
    for label, accuracy in (("r1", 0.9515), ("r2", 0.951333), ("r3", 0.94)):
        (tmp_path / "acc").write_text(json.dumps({"eval": {"accuracy": accuracy}, "epochs": 3}))
        out = tmp_path / f"{label}.json"
        parent = ["--parent", str(runs["r1"])] if runs else []
        done = run_drift(
            "run", "--python", sys.executable, "--no-cache", "--metrics", "m.json", "-o", str(out),
            *parent, "--", sys.executable, "-c", train, cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        runs[label] = out
    document = json.loads(runs["r1"].read_text())
    props = {p["name"]: p["value"] for p in document["metadata"]["properties"]}
    assert props["drift:metric:eval.accuracy"] == "0.9515"
    assert props["drift:metric:epochs"] == "3"
    policy = tmp_path / "policy.toml"
    policy.write_text('[metrics]\n"eval.accuracy" = { direction = "higher", tolerance = 0.005 }\n')
    within = run_drift("check", str(runs["r1"]), str(runs["r2"]), "--policy", str(policy))
    assert within.returncode == 0, within.stdout
    assert "INFO     metric:eval.accuracy" in within.stdout
    assert "0.9515 -> 0.951333" in within.stdout
    lineage = run_drift("lineage", str(runs["r1"]), str(runs["r2"]), "--format", "json")
    steps = json.loads(lineage.stdout)
    assert any("0.9515 -> 0.951333" in r for s in steps for r in s["changes"].get("metrics", []))
    beyond = run_drift("check", str(runs["r1"]), str(runs["r3"]), "--policy", str(policy))
    assert beyond.returncode == 1, beyond.stdout
    (line,) = [line for line in beyond.stdout.splitlines() if "metric:eval.accuracy" in line]
    assert line.split()[0] == "MAJOR"
    assert "eval.accuracy 0.9515 -> 0.94" in line


def test_a_metrics_file_the_command_did_not_write_is_a_note(tmp_path):
    out = tmp_path / "r.json"
    done = run_drift(
        "run", "--python", sys.executable, "--no-cache", "--metrics", "none.json", "-o", str(out),
        "--", sys.executable, "-c", "pass", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "metrics not recorded" in done.stderr
    props = json.loads(out.read_text())["metadata"]["properties"]
    assert any(p["value"].startswith("metrics not recorded") for p in props)
