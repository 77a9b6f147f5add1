"""Models named for a run: a weights digest, and what the files say without loading weights.

Nothing is unpickled, imported from the model or executed. Read as data:

- safetensors: the JSON header (tensor count, dtypes, parameter count, ``__metadata__``,
  its secret-named values redacted at any depth);
- GGUF: through the ``gguf`` package when it is installed (architecture, quantisation,
  context length), else the format alone;
- ONNX and PyTorch files: the format alone (PyTorch's zip or pickle container is named,
  never opened);
- a Hugging Face model folder: ``config.json`` (architectures, model type, dtype) and the
  model card's front matter in ``README.md`` (licence, base model, datasets, task), each
  redacted as a whole (``redact_tree``) before a field is picked from it.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING, Any, NamedTuple

import orjson

from driftbom import bounded, manifest
from driftbom.errors import Input, ProbeError
from driftbom.inputs import datasets, described, pickles
from driftbom.model import Component, ComponentType, Pair
from driftbom.properties import Prop
from driftbom.redact import redact_tree, scrub
from driftbom.safetext import json_safe

if TYPE_CHECKING:
    from pathlib import Path

MAX_HEADER = 100 * bounded.MiB
"""safetensors' own limit on its JSON header."""
MAX_CARD = bounded.MiB
MAX_PARAMETERS = 2**64 - 1
"""More parameters than any file could hold (safetensors offsets are 64-bit)."""


class ModelInfo(NamedTuple):
    """What was read about a model, beside its digest."""

    formats: tuple[str, ...]
    properties: tuple[tuple[str, str], ...]
    card: dict[str, Any]
    """modelCard fields (CycloneDX 1.6) from config.json and README front matter."""
    base_models: tuple[str, ...]
    described: tuple[Pair, ...] = ()
    """What the card says of its uses and limitations (see ``described.card_sections``)."""
    licenses: tuple[Pair, ...] = ()
    """The card's ``license:``, as declared licences."""


def _error(path: str, reason: str) -> ProbeError:
    return ProbeError(reason, what=Input.MODEL, path=path)


def safetensors_header(path: Path) -> dict[str, Any]:
    """Return a safetensors file's JSON header (never the tensors)."""
    try:
        size_bytes = bounded.read_head(path, 8)
        if len(size_bytes) != 8:
            raise _error(str(path), "not a safetensors file (no header)")
        (size,) = struct.unpack("<Q", size_bytes)
        if size > MAX_HEADER:
            raise _error(str(path), f"a safetensors header over {MAX_HEADER} bytes")
        header = orjson.loads(bounded.read_head(path, 8 + size)[8:])
    except orjson.JSONDecodeError:
        raise _error(str(path), "not a safetensors file (the header is not JSON)") from None
    except OSError as exc:
        raise _error(str(path), f"cannot read it ({exc.strerror})") from None
    if not isinstance(header, dict):
        raise _error(str(path), "not a safetensors file (the header is not an object)")
    return header


def _elements(shape: Any, path: Path) -> int:
    """Return the element count of one tensor's shape (0 when it is not a list of sizes).

    The product stops as soon as it passes MAX_PARAMETERS: a header can list millions of
    dimensions, and their product would be a number too long to compute or print.
    """
    if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
        return 0
    count = 1
    for size in shape:
        count *= size
        if count > MAX_PARAMETERS:
            raise _error(str(path), f"a tensor shape of over {MAX_PARAMETERS} parameters")
    return count


def _safetensors(path: Path) -> list[tuple[str, str]]:
    header = safetensors_header(path)
    tensors = {k: v for k, v in header.items() if k != "__metadata__" and isinstance(v, dict)}
    dtypes = sorted({str(t.get("dtype")) for t in tensors.values()})
    count = sum(_elements(tensor.get("shape"), path) for tensor in tensors.values())
    if count > MAX_PARAMETERS:
        raise _error(str(path), f"the tensor shapes add up to over {MAX_PARAMETERS} parameters")
    props = [
        (Prop.MODEL_TENSORS, str(len(tensors))),
        (Prop.MODEL_DTYPES, " ".join(dtypes)),
        (Prop.MODEL_PARAMETERS, str(count)),
    ]
    meta = header.get("__metadata__")
    if isinstance(meta, dict):
        props += [
            (f"{Prop.MODEL_META_PREFIX}{k[:64]}", _text(v)[:256])
            for k, v in sorted(redact_tree(meta).items())[:32]
        ]
    return props


def _text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


_GGUF_KEYS = ("general.architecture", "general.file_type")


def _gguf(path: Path) -> list[tuple[str, str]]:
    try:
        from gguf import GGUFReader  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415
    except ImportError:
        return []  # the format alone: pip install 'driftbom[gguf]' reads more
    try:  # only the scalars read below: a tokenizer's arrays hold 100,000s of entries
        fields = {
            key: value
            for key, field in GGUFReader(str(path)).fields.items()
            if key in _GGUF_KEYS or key.endswith(".context_length")
            if isinstance(value := field.contents(), (str, int, float))
        }
    except Exception as exc:  # noqa: BLE001 - a malformed file, whatever gguf raises
        raise _error(str(path), f"not a readable GGUF file ({scrub(str(exc))[:120]})") from None
    context = next((v for k, v in fields.items() if k.endswith(".context_length")), None)
    found = (
        (Prop.MODEL_ARCHITECTURE, fields.get("general.architecture"), 128),
        (Prop.MODEL_QUANTISATION, fields.get("general.file_type"), 64),
        (Prop.MODEL_CONTEXT, context, 32),
    )
    return [(prop, str(value)[:size]) for prop, value, size in found if value is not None]


def _format(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix == ".safetensors":
        return "safetensors"
    if suffix == ".gguf":
        return "gguf"
    if suffix == ".onnx":
        return "onnx"
    if suffix in (".pkl", ".pickle", ".joblib"):
        return "pickle"
    if suffix in (".pt", ".pth", ".bin", ".ckpt"):
        try:
            head = bounded.read_head(path, 4)
        except OSError:
            return None
        if head.startswith(b"PK\x03\x04"):
            return "pytorch-zip"
        return "pytorch-pickle" if head[:1] == b"\x80" else None
    return None


def _front_matter(text: str, path: Path) -> dict[str, Any]:
    """Return a model card's YAML front matter; {} when it has none or it is not YAML."""
    if not text.startswith("---"):
        return {}
    end = text.find("\n---", 3)
    if end < 0:
        return {}
    import yaml  # noqa: PLC0415

    try:
        data = yaml.safe_load(text[3:end])
    except yaml.YAMLError:
        return {}
    except (ValueError, RecursionError):  # a number of over 4,300 digits, a nesting too deep
        raise _error(str(path), "its front matter holds a value too large to read") from None
    return data if isinstance(data, dict) else {}


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [json_safe(value)]
    if isinstance(value, list):  # an integer too long to print is left out, as a mapping is
        return [json_safe(str(v)) for v in value if isinstance(v, (str, float)) or _short_int(v)]
    return []


def _short_int(value: object) -> bool:
    return isinstance(value, int) and value.bit_length() <= 64


def _hugging_face(folder: Path) -> ModelInfo:
    """Return what a Hugging Face folder's config and card say (its formats left empty)."""
    params: dict[str, Any] = {}  # the card's modelParameters
    props: list[tuple[str, str]] = []
    try:
        config = orjson.loads(bounded.read_bytes(folder / "config.json", MAX_CARD))
    except (OSError, orjson.JSONDecodeError):
        config = None
    if isinstance(config, dict):
        config = redact_tree(config)
        architectures = _as_list(config.get("architectures"))
        if architectures:
            params["modelArchitecture"] = ", ".join(architectures)
        if isinstance(config.get("model_type"), str):
            params["architectureFamily"] = config["model_type"]
        dtype = config.get("torch_dtype") or config.get("dtype")
        if isinstance(dtype, str):
            props.append((Prop.MODEL_TORCH_DTYPE, dtype[:32]))
    try:
        readme = bounded.read_text(folder / "README.md", MAX_CARD)
    except OSError:
        readme = ""
    front = redact_tree(_front_matter(readme, folder / "README.md"))
    task = front.get("pipeline_tag")
    if isinstance(task, str):  # a YAML "\ud800" escape is text JSON cannot hold
        params["task"] = json_safe(task)
    names = _as_list(front.get("datasets"))
    if names:
        params["datasets"] = [{"type": "dataset", "name": n} for n in names[:32]]
    licence = _as_list(front.get("license"))
    if licence:
        props.append((Prop.MODEL_LICENSE, " ".join(licence)[:128]))
    sections = tuple(described.card_sections(readme).items())
    bases = _as_list(front.get("base_model"))[:8]
    licences = described.card_licence(licence)
    card = {"modelParameters": params} if params else {}
    return ModelInfo((), tuple(props), card, tuple(bases), sections, licences)


_PICKLED = ("pytorch-zip", "pytorch-pickle", "pickle")
_SAFE_BY_FORMAT = ("safetensors", "gguf")


def _load_safety(pickled: list[Path], formats: set[str], cache_dir: Path | None) -> list[Pair]:
    """Return the load-safety properties: scanned pickles, else safe by format, else none."""
    if pickled:
        found = pickles.scanned(pickled, cache_dir)
        props = [(Prop.MODEL_LOAD_SAFETY, found.verdict)]
        if found.imports:
            shown = found.imports[: pickles.MAX_IMPORTS]
            more = len(found.imports) - len(shown)
            props.append(
                (Prop.MODEL_PICKLE_IMPORTS, ", ".join(shown) + (f" (+{more} more)" if more else ""))
            )
        return props
    if formats and formats <= set(_SAFE_BY_FORMAT):
        return [(Prop.MODEL_LOAD_SAFETY, "safe by format")]
    return []


def inspect(root: Path, cache_dir: Path | None = None) -> ModelInfo:
    """Return what a model file or folder says about itself (read as data only)."""
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    formats: set[str] = set()
    props: list[tuple[str, str]] = []
    pickled: list[Path] = []
    for path in files:
        kind = _format(path)
        if kind is None:
            continue
        formats.add(kind)
        if kind in _PICKLED:
            pickled.append(path)
        if kind == "safetensors" and not any(k == Prop.MODEL_TENSORS for k, _ in props):
            props += _safetensors(path)
        elif kind == "gguf":
            props += _gguf(path)
    props += _load_safety(pickled, formats, cache_dir)
    found = _hugging_face(root) if root.is_dir() else ModelInfo((), (), {}, ())
    return found._replace(formats=tuple(sorted(formats)), properties=(*props, *found.properties))


def component(
    name: str,
    root: Path | str,
    cache_dir: Path | None = None,
    dataset_refs: tuple[str, ...] = (),
    given: described.Info | None = None,
) -> Component:
    """Return the ``model:<name>`` component: weights digest, format, model card, base model.

    A model in object storage (``root`` a URL) is listed, never downloaded: digest only.
    ``given`` (checked ``--model-info``) wins over what the card says, key by key.
    """
    weights = datasets.hash_dataset(name, root, cache_dir, what=Input.MODEL)
    info = ModelInfo((), (), {}, ()) if isinstance(root, str) else inspect(root, cache_dir)
    card = dict(info.card)
    if dataset_refs:
        params = card.setdefault("modelParameters", {})
        params["datasets"] = [*params.get("datasets", []), *({"ref": r} for r in dataset_refs)]
    props = [
        (Prop.MODEL_FORMAT, " ".join(info.formats) or "unknown"),
        (Prop.MODEL_FILES, str(len(weights.paths))),
        (Prop.MODEL_BYTES, str(sum(weights.sizes))),
        (Prop.MODEL_PATH, str(root)),
        *info.properties,
    ]
    if len(weights.paths) <= manifest.INLINE:
        props.append(
            (Prop.MODEL_MANIFEST, manifest.encode(weights.paths, weights.sizes, weights.digests))
        )
    found = Component(
        ref=f"model:{name}",
        type=ComponentType.MODEL,
        name=name,
        hashes=(("BLAKE3", weights.digest),),
        properties=tuple(props),
        model_card=orjson.dumps(card, option=orjson.OPT_SORT_KEYS).decode() if card else None,
        ancestors=info.base_models,
        licenses=info.licenses,
    ).normalized()
    return described.described_model(found, {**dict(info.described), **(given or {})})
