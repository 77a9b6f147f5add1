"""A record is hostile: its paths never lead drift outside the code folder or into -v."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from driftbom.model import Component, ComponentType, Snapshot
from driftbom.properties import Prop
from driftbom.reproduce import docker
from driftbom.reproduce.verify import check_paths, leaves_code
from tests.reproduce.test_cli_reproduce import project  # noqa: F401 - the recorded project


def _dataset(path: str, name: str = "d") -> Snapshot:
    comp = Component(
        f"dataset:{name}", ComponentType.DATA, name, properties=((Prop.DATASET_PATH, path),)
    )
    return Snapshot("box", "t", (comp,))


@pytest.mark.parametrize(
    ("path", "leaves"),
    [("data", False), ("a/../b", False), ("/abs/data", False), ("..", True), ("a/../../b", True)],
)
def test_a_relative_path_that_climbs_out_of_the_code_is_found(path, leaves):
    assert leaves_code(path) is leaves
    assert bool(check_paths(_dataset(path), {})) is leaves
    assert check_paths(_dataset(path), {"d": Path("/given")}) == []  # a place given is the user's


@pytest.mark.parametrize(
    ("recorded", "place", "why"),
    [
        ("/etc/data", "/srv/d", "would cover the image's own folders"),
        ("/usr/lib/x", "/srv/d", "would cover the image's own folders"),
        ("/data", "/srv/a:b", "cannot be mounted with -v"),
        ("/da\nta", "/srv/d", "cannot be mounted with -v"),
    ],
)
def test_docker_mounts_refuse_what_v_cannot_carry_or_would_cover_the_image(
    recorded, place, why, tmp_path
):
    found = docker.problems(_dataset(recorded), {"d": Path(place)}, tmp_path, [])
    assert len(found) == 1
    assert why in found[0]
    assert "\n" not in found[0]


def test_a_dataset_outside_the_code_is_mounted_read_only_at_its_recorded_path(tmp_path):
    snap = _dataset("/data/train")
    words = docker.argv(snap, "img", tmp_path / "code", {"d": tmp_path / "train"}, ["out"], ["x"])
    assert f"{tmp_path / 'train'}:/data/train:ro" in words
    assert f"{tmp_path / 'code'}:/code:ro" in words
    assert f"{tmp_path / 'code' / 'out'}:/code/out" in words
    assert docker.problems(snap, {"d": tmp_path / "train"}, tmp_path / "code", ["out"]) == []


def test_the_code_is_writable_only_when_the_command_writes_at_its_root(tmp_path):
    words = docker.argv(_dataset("data"), "img", tmp_path, {}, ["."], ["x"])
    assert f"{tmp_path}:/code" in words


def test_a_record_pointing_outside_the_code_is_blocked_before_anything_is_read(
    project,  # noqa: F811
    tmp_path,
):
    doc = json.loads(project.run.read_text())
    for comp in doc["components"]:
        for prop in comp.get("properties", []):
            if prop["name"] == Prop.DATASET_PATH:
                prop["value"] = "../../outside"
    hostile = tmp_path / "hostile.cdx.json"
    hostile.write_text(json.dumps(doc))
    done = project.reproduce(str(hostile), "--plan")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "dataset points: the recorded path '../../outside' leaves the code folder" in done.stdout


@pytest.mark.parametrize(
    ("recorded", "why"),
    [
        ("http://example.com/points", "a http:// URL is not read"),
        ("s3://user:s3cr3t@bucket/points", "credentials in a URL are refused"),
    ],
)
def test_a_recorded_dataset_url_that_cannot_be_read_blocks_the_reproduction(
    project,  # noqa: F811
    tmp_path,
    recorded,
    why,
):
    doc = json.loads(project.run.read_text())
    for comp in doc["components"]:
        for prop in comp.get("properties", []):
            if prop["name"] == Prop.DATASET_PATH:
                prop["value"] = recorded
    hostile = tmp_path / "hostile.cdx.json"
    hostile.write_text(json.dumps(doc))
    done = project.reproduce(str(hostile), "--plan")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout.startswith("BLOCKED: "), done.stdout + done.stderr
    assert f"dataset points: dataset {recorded.replace('user:s3cr3t@', '')}: {why}" in done.stdout
    assert "--dataset" not in done.stdout + done.stderr  # the record's, not a flag the user gave
    assert "s3cr3t" not in done.stdout + done.stderr
