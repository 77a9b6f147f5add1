"""Secrets planted in every place a target environment can hide one never leave drift."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import run_drift
from tests.security.hostile import (
    CANARIES,
    foreign_reference,
    make_venv,
    plant_dists,
    plant_lockfiles,
    secret_environment,
)


def _everything_under(folder: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in sorted(folder.rglob("*")) if p.is_file())


def test_no_planted_secret_reaches_any_output(tmp_path):
    assert len(CANARIES) >= 40
    python, site = make_venv(tmp_path)
    plant_dists(site)
    locks = plant_lockfiles(tmp_path)
    cache = tmp_path / "cache"
    summary = tmp_path / "step-summary.md"
    env = {
        **secret_environment(tmp_path),
        "DRIFT_CACHE_DIR": str(cache),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    outputs = []

    def drift(*args: str, codes: tuple[int, ...] = (0,)) -> None:
        done = run_drift("-vv", *args, env=env, cwd=tmp_path)
        assert done.returncode in codes, (args, done.stderr)
        outputs.append(done.stdout + done.stderr)

    snapshots = []
    for fmt, lock in locks.items():
        out = tmp_path / f"{fmt}.cdx.json"
        drift("snapshot", "--python", str(python), "--lock", str(lock), "-o", str(out))
        assert '"lockfile:' in out.read_text(), fmt  # the lockfile was read, not skipped
        snapshots.append(out)
    foreign = foreign_reference(tmp_path)
    drift("validate", *map(str, [*snapshots, foreign]))
    for fmt in ("text", "json", "markdown", "github"):
        drift("check", str(foreign), str(snapshots[0]), "--format", fmt, codes=(0, 1))
        drift(
            "diff",
            str(snapshots[0]),
            str(snapshots[1]),
            "--format",
            fmt if fmt != "github" else "text",
        )
    drift("check", str(snapshots[0]), "--python", str(python), codes=(0, 1))
    for sbom in (snapshots[0], foreign):
        drift(
            "rebuild",
            str(sbom),
            "-o",
            str(tmp_path / f"rebuild-{sbom.stem}"),
            "--no-resolve",
            "--skip-unreproducible",
            codes=(0, 2),
        )
    everything = "".join(outputs) + "".join(p.read_text() for p in snapshots)
    everything += _everything_under(cache) + summary.read_text()
    for folder in tmp_path.glob("rebuild-*"):
        everything += _everything_under(folder)
    assert _everything_under(cache), "the cache was written"
    leaked = [canary for canary in CANARIES if canary in everything]
    assert leaked == []
    # values were scrubbed, not dropped: the hosts are still there
    assert "repo.example.com/simple" in everything
    assert "files.example.com/missing-1.0.tar.gz" in everything
