"""Secrets planted in a run's record (params, git, command line, model metadata) never leave.

Every output is searched: stdout and stderr of each command (at ``-vv``), the documents, the
store's objects and the parse cache.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import textwrap

from tests.conftest import run_drift

# canary-r01..r11: the first planting; r12..r50 reach every input added since
RUN_CANARIES = [f"canary-r{i:02d}" for i in range(1, 51)]
# tokens recognised by their shape alone, planted where no name says they are secret
SHAPED = ["ghp_" + "R51" * 12, "hf_" + "R52x" * 8, "AKIA" + "R53" * 5 + "Q"]


def _git(repo, *args):
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e", *args],
        check=True,
        capture_output=True,
    )


def _safetensors(path, meta):
    header = json.dumps({"__metadata__": meta})
    header += " " * (-len(header) % 8)
    path.write_bytes(struct.pack("<Q", len(header)) + header.encode())


def _plant(repo):
    _git(repo, "init", "-q")
    (repo / "train.py").write_text("import sys\nsys.exit(0)\n")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "x")
    _git(repo, "remote", "add", "origin", "https://user:canary-r01@git.example.com/ml.git")
    (repo / "train.py").write_text("import sys\n# canary-r02\nsys.exit(0)\n")  # in the diff
    (repo / "params.yaml").write_text(
        "api_token: canary-r03\ndb:\n  url: postgres://u:canary-r04@db.example.com/runs\n"
        "secret_key: canary-r05\nlr: 0.001\n"
        "users:\n  - name: a\n    password: canary-r12\n  - [ {token: canary-r13} ]\n"
        'embedded: \'{"hf_token": "canary-r14"}\'\nPAT: canary-r15\n'
        "deep: {a: [{b: [{c: {private_key: canary-r16}}]}]}\n"
    )
    (repo / "params.toml").write_text(
        '[[runs]]\ntoken = "canary-r17"\nlr = 0.1\n[[runs]]\nsas = "canary-r18"\n'
        '[cluster]\nnodes = [{ host = "n1", auth = "canary-r19" }]\n'
        'remote = "ghp_canary-r20@github.com:org/x.git"\n'
    )
    _safetensors(
        repo / "m.safetensors",
        {
            "source": "https://u:canary-r11@hub.example.com/m",
            "api_key": "canary-r21",
            "hf_token": "canary-r22",
            "password": "canary-r23",
            "config": json.dumps({"auth": {"pw": "canary-r24"}, "users": [{"pat": "canary-r25"}]}),
            "origin": SHAPED[0],
        },
    )
    folder = repo / "hf-model"
    folder.mkdir()
    _safetensors(folder / "model.safetensors", {"format": "pt"})
    (folder / "config.json").write_text(
        json.dumps({"model_type": "llama", "token": "canary-r26", "hub": [{"secret": "r"}]})
    )
    (folder / "README.md").write_text(
        "---\nlicense: mit\nbase_model: https://u:canary-r27@hub.example.com/base\n"
        "hf_token: canary-r28\n---\n# card\n"
    )
    (repo / "track.py").write_text(
        textwrap.dedent(
            """
            import sys
            import driftbom

            params = {"users": [{"password": "canary-r29"}], "opt": [[{"api_key": "canary-r30"}]]}
            with driftbom.track("tracked", output=sys.argv[1], params=params,
                                models={"m": "m.safetensors"},
                                redact=[r"corp-[a-z]+-r[0-9]+"]) as run:
                run.param("svc.PAT", "canary-r31")
                run.param("account", "corp-canary-r50")
                run.metric("hf_token", "canary-r32")
                run.metric("accuracy", 0.9)
            """
        )
    )


COMMAND = [
    "--api-key", "canary-r07", "--token=canary-r08", "HF_TOKEN=canary-r09",
    "https://u:canary-r10@data.example.com/x",
    "--header", "Authorization: Bearer canary-r33", "-H", "X-Api-Key: canary-r34",
    "-u", "admin:canary-r35", "--sas=canary-r36", "--pat", "canary-r37", "-p", "canary-r38",
    "--url='https://data.example.com/f?X-Amz-Signature=canary-r39&X-Amz-Date=1'",
    "https://u:canary-r40 with-space@data.example.com/y", "Basic Y2FuYXJ5LXI0MQ==",
    "deploy:canary-r42@git.example.com:org/x.git", SHAPED[1], "--account", "corp-canary-r50",
]  # fmt: skip

# (arguments, environment): URLs with credentials given where drift takes a path or a store
URL_INPUTS = [
    (["--store", "s3://AKIAEXAMPLE:canary-r43@bucket/p"], {}),
    (["--dataset", "s3://AKIAEXAMPLE:canary-r44@bucket/p"], {}),
    (["--model", "m=gs://u:canary-r45@bucket/m"], {}),
    (["--parent", "https://u:canary-r46@h.example/run.json"], {}),
    (["--lock", "https://u:canary-r47@h.example/uv.lock"], {}),
    (["--dataset", "d=https://u:canary-r48 x@h.example/p"], {}),
    ([], {"DRIFT_STORE": "s3://AKIAEXAMPLE:canary-r49@bucket/p"}),
    (["--store", "s3://bucket/p?X-Amz-Credential=" + SHAPED[2]], {}),
]


def test_no_secret_of_a_run_reaches_any_output(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _plant(repo)
    cache, store = tmp_path / "cache", tmp_path / "store"
    env = {"DRIFT_CACHE_DIR": str(cache)}
    outputs = []

    def drift(*args, codes=(0,), extra=None):
        done = run_drift("-vv", *args, cwd=repo, env={**env, **(extra or {})})
        assert done.returncode in codes, (args, done.stderr)
        outputs.append(done.stdout + done.stderr)
        return done

    first, second, third = repo / "first.json", repo / "second.json", repo / "third.json"
    drift("snapshot", "--python", sys.executable, "--params", "params.yaml",
          "--param", "password=canary-r06", "--param", 'more_users=[{"pat": "canary-r15"}]',
          "--model", "m=m.safetensors", "--model", "hf=hf-model", "-o", str(first),
          "--store", str(store))  # fmt: skip
    _git(repo, "remote", "set-url", "origin", "ghp_canary-r41@github.com:org/ml.git")
    drift(
        "run", "--python", sys.executable, "--params", "params.toml", "--parent", str(first),
        "--store", str(store), "--redact", r"corp-[a-z]+-r[0-9]+", "-o", str(second),
        "--", sys.executable, "train.py", *COMMAND,
    )  # fmt: skip
    tracked = subprocess.run(
        [sys.executable, "track.py", str(third)], cwd=repo, capture_output=True, text=True,
        env={**os.environ, **env}, check=False,
    )  # fmt: skip
    assert tracked.returncode == 0, tracked.stderr
    outputs.append(tracked.stdout + tracked.stderr)
    for args, extra in URL_INPUTS:
        done = drift("snapshot", "-o", str(tmp_path / "x.json"), *args, codes=(2,), extra=extra)
        assert "Traceback" not in done.stderr
    for fmt in ("text", "json", "markdown"):
        drift("diff", str(first), str(second), "--format", fmt, codes=(0, 1))
    for document in (second, third):
        drift("inspect", str(document))
        drift("inspect", str(document), "--format", "json")
    drift("lineage", str(first), str(second), "--format", "json")
    drift("history", "repo", "--store", str(store), codes=(0, 2))
    written = [first, second, third, *store.rglob("*"), *cache.rglob("*")]
    everything = "".join(outputs) + "".join(
        p.read_text(errors="replace") for p in written if p.is_file()
    )
    assert any(store.rglob("*.json")), "the store was written"
    assert any(cache.rglob("*")), "the cache was written"
    leaked = [canary for canary in [*RUN_CANARIES, *SHAPED] if canary in everything]
    assert leaked == []
    # scrubbed, not dropped: hosts, names and the shape of the command are still there
    kept = ["git.example.com/ml.git", "github.com:org/ml.git", "data.example.com/x",
            "drift:params:api_token", "drift:params:runs", "Authorization: ***", "admin:***",
            "s3://bucket/p", "hub.example.com/base", "--account '***'"]  # fmt: skip
    assert [text for text in kept if text not in everything] == []
