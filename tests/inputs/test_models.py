"""Models: the weights digest and what the files say, read as data only."""

from __future__ import annotations

import json
import os
import pickle
import struct

import pytest

from driftbom.comparator.datasets import model_changes
from driftbom.errors import ProbeError
from driftbom.inputs import models
from driftbom.properties import Prop


def safetensors(path, tensors, meta=None):
    """Write a safetensors file as its specification lays it out (header, then bytes)."""
    header, offset = {}, 0
    for name, (dtype, shape) in tensors.items():
        size = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8}[dtype]
        for dim in shape:
            size *= dim
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    if meta:
        header["__metadata__"] = meta
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + os.urandom(offset))
    return path


def hf_folder(root):
    root.mkdir()
    safetensors(root / "model.safetensors", {"w": ("F16", [32, 16]), "b": ("F16", [16])})
    (root / "config.json").write_text(
        json.dumps(
            {
                "architectures": ["LlamaForCausalLM"],
                "model_type": "llama",
                "torch_dtype": "bfloat16",
            }
        )
    )
    (root / "README.md").write_text(
        "---\nlicense: mit\nbase_model: meta-llama/Llama-3.2-1B\ndatasets: [tatsu-lab/alpaca]\n"
        "pipeline_tag: text-generation\n---\n# A model card\n"
    )
    return root


def test_a_safetensors_file(tmp_path):
    path = safetensors(
        tmp_path / "m.safetensors",
        {"a": ("F32", [4, 4]), "b": ("BF16", [10])},
        {"format": "pt", "token": "https://u:hunter2@h/x"},
    )
    comp = models.component("m", path)
    assert comp.type.value == "machine-learning-model"
    assert comp.prop(Prop.MODEL_FORMAT) == "safetensors"
    assert comp.prop(Prop.MODEL_TENSORS) == "2"
    assert comp.prop(Prop.MODEL_PARAMETERS) == "26"
    assert comp.prop(Prop.MODEL_DTYPES) == "BF16 F32"
    assert comp.prop(Prop.MODEL_META_PREFIX + "format") == "pt"
    assert "hunter2" not in repr(comp)


def test_a_hugging_face_folder_gives_a_model_card_and_its_base(tmp_path):
    comp = models.component("llm", hf_folder(tmp_path / "llm"), dataset_refs=("dataset:train",))
    card = json.loads(comp.model_card)
    assert card["modelParameters"]["modelArchitecture"] == "LlamaForCausalLM"
    assert card["modelParameters"]["architectureFamily"] == "llama"
    assert card["modelParameters"]["task"] == "text-generation"
    assert {"type": "dataset", "name": "tatsu-lab/alpaca"} in card["modelParameters"]["datasets"]
    assert {"ref": "dataset:train"} in card["modelParameters"]["datasets"]
    assert comp.ancestors == ("meta-llama/Llama-3.2-1B",)
    assert comp.prop(Prop.MODEL_LICENSE) == "mit"
    assert comp.prop(Prop.MODEL_TORCH_DTYPE) == "bfloat16"


class Boom:
    canary = ""

    def __reduce__(self):
        return (os.system, (f"touch {self.canary}",))


def test_a_pytorch_pickle_is_named_never_loaded(tmp_path):
    canary = tmp_path / "unpickled"
    boom = Boom()
    boom.canary = str(canary)
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps(boom, protocol=2))
    comp = models.component("pt", path)
    assert comp.prop(Prop.MODEL_FORMAT) == "pytorch-pickle"
    assert not canary.exists()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x01", "no header"),
        (struct.pack("<Q", 1 << 40), "header over"),
        (struct.pack("<Q", 5) + b"nope!", "not JSON"),
        (struct.pack("<Q", 2) + b"[]", "not an object"),
    ],
)
def test_a_malformed_safetensors_file_is_an_error(tmp_path, data, reason):
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises(ProbeError, match=reason):
        models.component("bad", path)


def test_a_gguf_file_through_the_gguf_package(tmp_path):
    import gguf  # the dev extras install the gguf extra: never skipped
    import numpy as np

    path = tmp_path / "tiny.gguf"
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_context_length(4096)
    writer.add_file_type(15)
    writer.add_tensor("w", np.zeros((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    comp = models.component("tiny", path)
    assert comp.prop(Prop.MODEL_FORMAT) == "gguf"
    assert comp.prop(Prop.MODEL_ARCHITECTURE) == "llama"
    assert comp.prop(Prop.MODEL_CONTEXT) == "4096"
    assert comp.prop(Prop.MODEL_QUANTISATION) == "15"


def test_an_unchanged_model_never_appears_and_new_weights_are_named(tmp_path):
    root = hf_folder(tmp_path / "llm")
    before = models.component("llm", root)
    assert model_changes(before, models.component("llm", root)) == []
    safetensors(root / "model.safetensors", {"w": ("F16", [32, 16]), "b": ("F16", [16])})
    (change,) = model_changes(before, models.component("llm", root))
    assert change.rule.value == "model"
    assert "1 changed (model.safetensors)" in change.reason


def test_safetensors_metadata_under_secret_keys_is_redacted_at_any_depth(tmp_path):
    meta = {
        "api_key": "canary-m1",
        "hf_token": "canary-m2",
        "password": "canary-m3",
        "config": json.dumps({"auth": {"user": "u"}, "users": [{"secret": "canary-m4"}]}),
        "source": "ghp_" + "m5" * 18,
        "format": "pt",
    }
    comp = models.component("m", safetensors(tmp_path / "m.safetensors", {"a": ("F32", [2])}, meta))
    assert [f"canary-m{i}" for i in range(1, 6) if f"canary-m{i}" in repr(comp)] == []
    assert "m5m5" not in repr(comp)
    assert comp.prop(Prop.MODEL_META_PREFIX + "api_key") == "***"
    assert comp.prop(Prop.MODEL_META_PREFIX + "format") == "pt"


def test_a_model_card_and_config_are_redacted_before_a_field_is_read(tmp_path):
    root = hf_folder(tmp_path / "llm")
    (root / "config.json").write_text(
        json.dumps({"model_type": "https://u:canary-m6@h.example/t", "token": "canary-m7"})
    )
    (root / "README.md").write_text(
        "---\nlicense: mit\nbase_model: https://u:canary-m8@hub.example/base\n"
        "hf_token: canary-m9\n---\n"
    )
    comp = models.component("llm", root)
    assert [f"canary-m{i}" for i in range(6, 10) if f"canary-m{i}" in repr(comp)] == []
    assert comp.ancestors == ("https://hub.example/base",)
