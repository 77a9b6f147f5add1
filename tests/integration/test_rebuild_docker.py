"""The rebuild round trip through a real Docker Engine, with a base image built here.

An "old run" image holds a venv of real packages; `drift snapshot` runs inside it; `drift
rebuild --build --verify` recreates it from that SBOM alone; both images list the same packages.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, assert_valid, run_drift

pytestmark = [pytest.mark.docker, pytest.mark.network, pytest.mark.slow]

BASE = "drift-test-base:bookworm"
OLD_RUN = "drift-test-old-run:latest"
REBUILT = "drift-test-rebuilt:latest"
PACKAGES = ("six==1.16.0", "attrs==23.2.0", "idna==3.7", "packaging==24.1", "tomli==2.0.1")


@pytest.fixture(scope="module")
def engine():
    import docker

    client = docker.from_env(timeout=900)
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "docker-test-base.sh"), BASE], check=True, timeout=1800
    )
    return client


def _build(engine, context: Path, tag: str, **kwargs) -> None:
    log = []
    for chunk in engine.api.build(
        path=str(context), tag=tag, rm=True, forcerm=True, decode=True, **kwargs
    ):
        log.append(str(chunk.get("stream") or chunk.get("error") or ""))
        assert "error" not in chunk, "".join(log[-20:])


@pytest.fixture(scope="module")
def old_run(engine, tmp_path_factory):
    context = tmp_path_factory.mktemp("oldrun")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(context),
            str(ROOT),
        ],
        check=True,
        timeout=600,
    )
    (wheel,) = context.glob("driftbom-*.whl")
    (context / "Dockerfile").write_text(
        f"FROM {BASE}\n"
        "RUN python3 -m venv /opt/venv"
        f" && /opt/venv/bin/pip install --no-cache-dir {' '.join(PACKAGES)}\n"
        f"COPY {wheel.name} /tmp/\n"
        "RUN python3 -m venv /opt/drift"
        f" && /opt/drift/bin/pip install --no-cache-dir /tmp/{wheel.name}\n"
        "ENV PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
    )
    _build(engine, context, OLD_RUN)
    return OLD_RUN


def _pip_list(engine, image: str) -> dict[str, str]:
    out = engine.containers.run(
        image, ["python", "-m", "pip", "list", "--format", "json"], remove=True
    )
    return {p["name"].lower(): p["version"] for p in json.loads(out)}


def _sbom_from_inside(engine, image: str) -> bytes:
    container = engine.containers.create(
        image,
        [
            "/opt/drift/bin/drift",
            "snapshot",
            "--python",
            "/opt/venv/bin/python",
            "--name",
            "run-42",
            "-o",
            "/tmp/run-42.cdx.json",
        ],
        environment={"SOURCE_DATE_EPOCH": "1700000000"},
    )
    try:
        container.start()
        assert container.wait(timeout=300)["StatusCode"] == 0, container.logs().decode()[-2000:]
        stream, _ = container.get_archive("/tmp/run-42.cdx.json")
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.extractfile("run-42.cdx.json")
            assert member is not None
            return member.read()
    finally:
        container.remove(force=True)


def test_round_trip_reproduces_the_old_run(engine, old_run, tmp_path):
    sbom = tmp_path / "run-42.cdx.json"
    sbom.write_bytes(_sbom_from_inside(engine, old_run))
    document = json.loads(sbom.read_text())
    assert_valid(document)
    assert any(
        c["bom-ref"] == "pypi:six" and c["version"] == "1.16.0" for c in document["components"]
    )
    out = tmp_path / "rebuild"
    done = run_drift(
        "rebuild",
        str(sbom),
        "-o",
        str(out),
        "--base-image",
        BASE,
        "--build",
        "--verify",
        "--tag",
        REBUILT,
    )
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-2000:]
    assert "PASS: no drift" in done.stdout
    recorded = next(c for c in document["components"] if c["bom-ref"] == "python")["version"]
    assert f"built image {REBUILT} (Python {recorded})" in done.stderr
    header = f"# Python {recorded}: {BASE}'s own, checked at build (the SBOM recorded {recorded})"
    assert header in (out / "Dockerfile").read_text()
    old = _pip_list(engine, old_run)
    new = _pip_list(engine, REBUILT)
    assert new == old
    assert engine.containers.run(REBUILT, ["id", "-u"], remove=True).strip() == b"10001"


def test_verify_catches_drift(engine, old_run, tmp_path):
    sbom = tmp_path / "run-42.cdx.json"
    document = json.loads(_sbom_from_inside(engine, old_run))
    for comp in document["components"]:
        if comp["bom-ref"] == "pypi:six":
            comp["version"] = "1.15.0"  # the rebuilt image will hold 1.15.0 ...
            comp.pop("hashes", None)
    sbom.write_text(json.dumps(document))
    out = tmp_path / "rebuild"
    done = run_drift(
        "rebuild",
        str(sbom),
        "-o",
        str(out),
        "--base-image",
        BASE,
        "--build",
        "--tag",
        REBUILT + "-drift",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # ... so checking it against the untouched SBOM must fail
    original = tmp_path / "original.cdx.json"
    original.write_bytes(_sbom_from_inside(engine, old_run))
    from driftbom.comparator.severity import Severity
    from driftbom.rebuilder.build import snapshot_image
    from driftbom.rebuilder.verify import verify
    from driftbom.sbom import codecs

    rebuilt = snapshot_image(REBUILT + "-drift", "rebuilt")
    report = verify(codecs.read(original), rebuilt)
    assert report.failed
    assert [f.change.id for f in report.findings] == ["pypi:six"]
    # six 1.16.0 -> 1.15.0 is a minor downgrade, one step more severe than the upgrade (major):
    # --fail-on critical lets it pass, still reported
    assert report.findings[0].severity is Severity.MAJOR
    relaxed = verify(codecs.read(original), rebuilt, fail_on=Severity.CRITICAL)
    assert not relaxed.failed
    assert [f.change.id for f in relaxed.findings] == ["pypi:six"]


def test_missing_base_image_is_exit_2_with_the_build_log(engine, old_run, tmp_path):
    sbom = tmp_path / "run-42.cdx.json"
    sbom.write_bytes(_sbom_from_inside(engine, old_run))
    done = run_drift(
        "rebuild",
        str(sbom),
        "-o",
        str(tmp_path / "out"),
        "--base-image",
        "drift-no-such-image:1",
        "--build",
        "--no-resolve",
    )
    assert done.returncode == 2
    assert "docker build failed" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def tool_image(engine):
    _build(engine, ROOT, "driftbom:test", buildargs={"BASE_IMAGE": BASE})
    return "driftbom:test"


def test_the_project_dockerfile_builds_and_runs_as_non_root(engine, tool_image):
    assert engine.containers.run(tool_image, ["--version"], remove=True).startswith(b"drift ")
    uid = engine.containers.run(tool_image, ["-u"], entrypoint="id", remove=True)
    assert uid.strip() == b"10001"


def test_the_image_snapshots_a_mounted_venv_as_the_readme_says(engine, tool_image, tmp_path):
    """docker run --rm -u UID -v "$PWD:/work" -w /work IMAGE snapshot --python ... -o ..."""
    work = tmp_path / "project"
    work.mkdir()
    work.chmod(0o777)  # the container's user is not this test's
    run = {"user": "12345", "volumes": {str(work): {"bind": "/work", "mode": "rw"}}}
    engine.containers.run(
        tool_image, ["-m", "venv", "/work/.venv"], entrypoint="python3", remove=True, **run
    )
    argv = ["-vv", "snapshot", "--python", "/work/.venv/bin/python", "-o", "env.cdx.json"]
    logs = engine.containers.run(
        tool_image, argv, working_dir="/work", remove=True, stderr=True, **run
    )
    document = json.loads((work / "env.cdx.json").read_text())
    assert_valid(document)
    python = next(c for c in document["components"] if c["bom-ref"] == "python")
    assert python["version"].startswith("3.")
    assert b"not using the cache" not in logs
    assert b"cannot write the cache" not in logs
