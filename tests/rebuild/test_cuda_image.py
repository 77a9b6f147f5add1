"""nvidia/cuda tags by the image's grammar, checked against tags NVIDIA publishes."""

from __future__ import annotations

import pytest

from driftbom.rebuilder.cuda_image import cuda_base
from tests.rebuild.helpers import make_plan, reproducible_doc

# (release, update, recorded Ubuntu) -> a tag that exists on Docker Hub's nvidia/cuda
REAL_TAGS = [
    ("11.8", "11.8.0", "22.04", "nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04"),
    ("12.1", "12.1.1", "22.04", "nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04"),
    ("12.2", "12.2.0", "22.04", "nvidia/cuda:12.2.0-cudnn8-runtime-ubuntu22.04"),
    ("12.3", "12.3.2", "22.04", "nvidia/cuda:12.3.2-cudnn9-runtime-ubuntu22.04"),
    ("12.4", "12.4.1", "22.04", "nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04"),
    ("12.6", "12.6.3", "24.04", "nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04"),
    ("12.8", "12.8.1", "22.04", "nvidia/cuda:12.8.1-cudnn-runtime-ubuntu22.04"),
    ("13.0", "13.0.1", "24.04", "nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04"),
    ("13.0", "13.0.0", None, "nvidia/cuda:13.0.0-cudnn-runtime-ubuntu24.04"),
]


@pytest.mark.parametrize(("release", "update", "ubuntu", "tag"), REAL_TAGS)
def test_tags_follow_the_grammar_of_real_ones(release, update, ubuntu, tag):
    assert cuda_base(release, update, ubuntu).image == tag


def _with_cuda(doc: dict, *, loaded: bool, source: str = "/usr/local/cuda/bin/nvcc --version"):
    def props(**pairs: str) -> list[dict[str, str]]:
        return [{"name": f"drift:cuda:{k}", "value": v} for k, v in pairs.items()]

    toolkit = {"bom-ref": "cuda-toolkit", "type": "platform", "name": "cuda-toolkit"}
    toolkit |= {"version": "13.0", "properties": props(**{"toolkit-exact": "13.0.88"})}
    toolkit["properties"] += props(**{"toolkit-source": source})
    doc["components"].append(toolkit)
    if loaded:
        runtime = {"bom-ref": "cuda", "type": "platform", "name": "cuda", "version": "13.0.88"}
        doc["components"].append(runtime | {"properties": props(source="toolkit")})
    return doc


def test_nvcc_build_number_is_never_a_tag():
    """nvcc says 'release 13.0, V13.0.88': 13.0.88 is a build, not an image version."""
    plan = make_plan(_with_cuda(reproducible_doc(), loaded=True))
    assert plan.base_image == "nvidia/cuda:13.0.0-cudnn-runtime-ubuntu24.04"
    assert plan.base_image in {tag for *_, tag in REAL_TAGS}
    assert not plan.python_from_base
    assert any("first update 13.0.0" in note for note in plan.not_reproduced)


def test_a_host_toolkit_the_environment_does_not_load_keeps_the_python_base():
    plan = make_plan(_with_cuda(reproducible_doc(), loaded=False))
    assert plan.base_image.startswith("python:")
    assert plan.base_image.endswith("-slim-bookworm")
    assert plan.python_from_base


def test_an_unpublished_ubuntu_is_said_and_replaced():
    base = cuda_base("12.4", "12.4.1", "24.04")  # 24.04 images start with 12.5
    assert base.image.endswith("ubuntu22.04")
    assert any("Ubuntu 24.04 is not reproduced" in note for note in base.notes)
    assert cuda_base("12.2", "12.2.0", "22.04").notes == ()


def test_older_documents_with_the_toolkit_as_cuda():
    """Older documents: the toolkit was `cuda` itself; only a torch build beside it counts."""
    legacy = {"bom-ref": "cuda", "type": "platform", "name": "cuda", "version": "13.0.88"}
    legacy["properties"] = [
        {"name": "drift:cuda:source", "value": "toolkit"},
        {"name": "drift:cuda:toolkit-source", "value": "/usr/local/cuda/bin/nvcc --version"},
    ]
    doc = reproducible_doc()
    doc["components"].append(legacy)
    assert make_plan(doc).base_image.startswith("python:")
    legacy["properties"].append({"name": "drift:cuda:torch", "value": "13.0"})
    assert make_plan(doc).base_image == "nvidia/cuda:13.0.0-cudnn-runtime-ubuntu24.04"
