"""RUN.md: the docker run line runs the recorded command, every SBOM value quoted."""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest

from driftbom.rebuilder import runmd
from driftbom.safetext import has_unsafe
from driftbom.sbom import cyclonedx
from tests.rebuild.helpers import (
    component,
    reproducible_doc,
    set_prop,
    with_artifact,
    with_run,
)

IMAGE = "drift-rebuild:0123456789ab"


def rendered(doc: dict, image: str = IMAGE, folder: str = "rebuild") -> str:
    return runmd.render(cyclonedx.from_dict(doc, "t"), image, folder)


def docker_line(text: str) -> str:
    """Return the docker run line of RUN.md, its continuations joined."""
    block = text.split("```sh\n")[2].split("\n```", maxsplit=1)[0]
    assert block.startswith("docker run --rm ")
    return block.replace(" \\\n  ", " ")


def argv_of(line: str, cwd) -> list[str]:
    """Run ``line`` in a real shell with ``docker`` a function printing its arguments."""
    script = f'docker() {{ printf "%s\\0" "$@"; }}\n{line}\n'
    done = subprocess.run(
        ["sh", "-c", script], cwd=cwd, capture_output=True, check=True, timeout=30
    )
    return done.stdout.decode().split("\0")[:-1]


def test_the_recorded_command_runs_as_recorded_in_the_code_folder(tmp_path):
    doc = with_run(reproducible_doc(), "/home/u/project/.venv/bin/python3.11 train.py --lr 3e-4")
    text = rendered(doc)
    argv = argv_of(docker_line(text), tmp_path)
    assert argv == [
        "run", "--rm", "-v", f"{tmp_path}:/code", "-w", "/code", IMAGE,
        "python", "train.py", "--lr", "3e-4",
    ]  # fmt: skip
    assert f"docker build -t {IMAGE} rebuild\n" in text
    assert "uid 10001" in text


HOSTILE_WORDS = [
    "$(touch pwned)",
    "`touch pwned`",
    "; touch pwned",
    "a'b\"c",
    "&& touch pwned",
    "$HOME ${PATH}",
    "--out=> pwned",
    "*",
]


def test_hostile_words_reach_the_command_unchanged_and_run_nothing(tmp_path):
    command = shlex.join(["python", "train.py", *HOSTILE_WORDS])
    text = rendered(with_run(reproducible_doc(), command))
    (tmp_path / "a-file").write_text("")  # a glob would expand to it
    argv = argv_of(docker_line(text), tmp_path)
    assert argv[-len(HOSTILE_WORDS) :] == HOSTILE_WORDS
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    "command",
    [
        "python train.py --name 'a\nRUN touch pwned'",
        "python train.py \u2028touch pwned",
        "python train.py '\x1b[2J'",
        "python train.py '\u202eevil'",
        "python 'unbalanced",
        "",
    ],
)
def test_a_command_that_cannot_be_one_line_is_left_out(tmp_path, command):
    text = rendered(with_run(reproducible_doc(), command))
    for line in text.split("\n"):
        assert not has_unsafe(line), line
        assert not line.startswith(("RUN ", "touch")), line
    assert docker_line(text).endswith(f"{IMAGE} COMMAND...")
    assert "give yours" in text


def test_without_a_run_the_command_is_a_placeholder(tmp_path):
    text = rendered(reproducible_doc())
    assert docker_line(text).endswith(f"{IMAGE} COMMAND...")
    assert "the SBOM records no command: give yours" in text


def test_redacted_secrets_are_said(tmp_path):
    text = rendered(with_run(reproducible_doc(), "python train.py --api-key '***'"))
    assert "secrets were removed from the recorded command (***): put yours back" in text


def test_datasets_and_models_are_mounted_where_the_command_looks(tmp_path):
    doc = with_run(reproducible_doc(), "python train.py")
    with_artifact(doc, "dataset", "inside", "data/train")
    with_artifact(doc, "dataset", "beside", "../shared data/val")
    with_artifact(doc, "dataset", "mounted", "/mnt/data's/train")
    with_artifact(doc, "dataset", "remote", "s3://bucket/train")
    with_artifact(doc, "model", "clf", "/mnt/models/clf")
    argv = argv_of(docker_line(rendered(doc)), tmp_path)
    mounts = [argv[i + 1] for i, word in enumerate(argv) if word == "-v"]
    assert mounts == [
        f"{tmp_path}:/code",
        f"{tmp_path}/../shared data/val:/shared data/val:ro",
        "/mnt/data's/train:/mnt/data's/train:ro",
        "/mnt/models/clf:/mnt/models/clf",  # written by the command
    ]


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/data:/etc", "its path cannot be given to -v"),
        ("/etc/ssl", "it would cover /etc/ssl of the image"),
        ("/opt/venv", "it would cover /opt/venv of the image"),
        ("/", "it would cover / of the image"),
        ("../../../usr/lib", "it would cover /usr/lib of the image"),
        ("/home/drift/.bashrc", "it would cover /home/drift/.bashrc of the image"),
        ("/data\nRUN touch pwned", "its path cannot be given to -v"),
    ],
)
def test_a_mount_that_cannot_be_made_safely_is_left_out_and_said(tmp_path, path, why):
    doc = with_artifact(with_run(reproducible_doc(), "python train.py"), "dataset", "d", path)
    text = rendered(doc)
    assert docker_line(text).count(" -v ") == 1  # the code folder only
    (note,) = [line for line in text.splitlines() if line.startswith("- dataset:d")]
    assert why in note
    assert note.endswith("mount it yourself")
    assert not any(has_unsafe(line) for line in text.split("\n"))


def test_a_recorded_gpu_asks_for_the_gpus(tmp_path):
    doc = with_run(reproducible_doc(), "python train.py")
    doc["components"].append({"type": "device", "bom-ref": "gpu:0", "name": "NVIDIA H100"})
    assert "--gpus all" in docker_line(rendered(doc))


def test_a_hostile_tag_or_folder_stays_one_quoted_word(tmp_path):
    text = rendered(with_run(reproducible_doc(), "python x.py"), "t:$(id)\nx", "out; rm -rf ~")
    assert "docker build -t 't:$(id)\\x0ax' 'out; rm -rf ~'\n" in text
    assert re.search(r"^  't:\$\(id\)\\x0ax' \\$", text, re.MULTILINE)


def test_a_venv_script_runs_from_the_images_venv(tmp_path):
    doc = reproducible_doc()
    set_prop(component(doc, "python"), "drift:python:executable", "/srv/env/bin/python")
    text = rendered(with_run(doc, "/srv/env/bin/torchrun --nproc 2 train.py"))
    assert docker_line(text).endswith(f"{IMAGE} torchrun --nproc 2 train.py")
    other = rendered(with_run(doc, "/usr/local/bin/my-tool train.py"))
    assert docker_line(other).endswith(f"{IMAGE} /usr/local/bin/my-tool train.py")
