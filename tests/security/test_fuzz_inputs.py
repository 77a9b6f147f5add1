"""Property-based: every reader of a user's input, fed hostile data, raises only DriftError.

The readers added since ``test_properties.py``: params (JSON, YAML, TOML and
``--param``), safetensors and GGUF headers, model card front matter, ``config.json``,
``direct_url.json``, store references, dataset names and object-storage URLs and listings.
Each either refuses with a DriftError (the CLI's exit 2, one line) or gives components that
make a valid CycloneDX document which reads back. Seeded, and kept small enough that the
whole file adds seconds to the suite.
"""

from __future__ import annotations

import json
import struct
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from driftbom.cli.inputs import named, pair
from driftbom.errors import DriftError
from driftbom.inputs import datasets, models, params
from driftbom.model import Component, Snapshot
from driftbom.probes.python import distributions
from driftbom.sbom import cyclonedx
from driftbom.snapshotter import documented
from driftbom.store import LocalStore, open_store
from driftbom.store.documents import Document, located
from driftbom.store.objects import ObjectStore
from tests.conftest import FIXTURES

SETTINGS = settings(
    max_examples=80,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FEW = settings(SETTINGS, max_examples=40)
MARKERS = {"python_version": "3.11", "sys_platform": "linux", "platform_machine": "x86_64"}
GOLDEN = FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json"

hostile_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "\n", "\x00", "\ud800", "\u2028", "\x1b[2J", "1" * 5000, "https://u:p@h/?token=t"]
    ),
)
numbers = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.sampled_from([64, 200, 5000]).map(lambda bits: 2**bits),  # beyond what JSON keeps
    st.just(-(2**63) - 1),
    st.floats(),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, hostile_text)
trees = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(hostile_text, inner, max_size=4),
    max_leaves=10,
)


def recorded(*components: Component) -> None:
    """Assert the components make a valid document that reads back."""
    snap = Snapshot(
        name="fuzz",
        timestamp="2026-01-01T00:00:00Z",
        components=tuple(sorted(components, key=lambda c: c.ref)),
        layers=tuple(sorted({c.layer for c in components}, key=lambda layer: layer.value)),
    )
    done = documented(snap)
    assert done.problems == [], done.problems[:3]
    cyclonedx.from_dict(cyclonedx.loads(done.encoded, "fuzz"), "fuzz")


# -- params ---------------------------------------------------------------------------------

yaml_snippets = st.sampled_from(
    [
        "a: 0x" + "f" * 40,
        "a: 0b1" + "0" * 70,
        "a: 0o7" + "7" * 30,
        "a: 1:2:3:4:5:6:7:8:9",
        "a: " + "9" * 5000,
        "a: .inf\nb: .nan",
        "a: &x [*x]",
        "a: &x {b: 1}\nc: *x\nd: *x",
        "a: !!python/object:os.system {}",
        "a: !!binary aGVsbG8=",
        "a: !!set {x, y}",
        "a: 2026-01-01 10:00:00",
        "a: " + "[" * 200 + "]" * 200,
        "? [1, 2]\n: complex key",
        "- not\n- a mapping",
        "a: b\n  c: d",
    ]
)
toml_values = st.one_of(
    numbers.filter(lambda n: isinstance(n, int)).map(str),
    st.sampled_from(
        ["inf", "nan", "-inf", "1979-05-27T07:32:00Z", "07:32:00", '"\\ud800"', "[1, [2, 3]]"]
    ),
    hostile_text.map(json.dumps),
)
toml_texts = st.lists(
    st.tuples(
        st.sampled_from(["", "[t]\n", "[[runs]]\n", "[a.b]\n"]),
        st.sampled_from(["lr", "seed", "password", "a.b", '"q"']),
        toml_values,
    ),
    max_size=5,
).map(lambda lines: "".join(f"{table}{key} = {value}\n" for table, key, value in lines))


def _params_file(suffix: str, text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"params{suffix}"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            tree = params.load(path)
        except DriftError:
            return
    recorded(params.component(tree))


@SETTINGS
@given(
    st.one_of(
        st.tuples(st.just(".json"), trees.map(json.dumps)),
        st.tuples(st.just(".yaml"), yaml_snippets),
        st.tuples(st.just(".yml"), st.text(max_size=200)),
        st.tuples(st.just(".toml"), toml_texts),
        st.tuples(st.just(".toml"), st.text(max_size=200)),
        st.tuples(st.sampled_from([".json", ".yaml", ".toml", ".txt", ""]), hostile_text),
    )
)
@example((".yaml", "steps: 123456789012345678901234567890"))
@example((".toml", "[[runs]]\nseed = 123456789012345678901234567890"))
@example((".yaml", 'a: "\\ud800"'))
def test_a_params_file_in_any_format(case):
    _params_file(*case)


@SETTINGS
@given(trees)
def test_params_trees_from_yaml_and_the_api(tree):
    yaml = pytest.importorskip("yaml")
    _params_file(".yaml", yaml.safe_dump({"root": tree}, allow_unicode=True))
    try:  # track(params=...) and run.param() go through the same normalisation
        normal = params.normalized({"root": tree}, "params")
    except DriftError:
        return
    recorded(params.component(normal))


@SETTINGS
@given(st.lists(hostile_text.map(lambda v: f"k.{v}") | st.text(max_size=40), max_size=4))
def test_param_pairs(texts):
    try:
        tree = params.merged({}, [pair(text) for text in texts])
    except DriftError:
        return
    recorded(params.component(tree))


# -- model files ----------------------------------------------------------------------------

shapes = st.one_of(
    st.lists(st.integers(min_value=0, max_value=2**64 - 1), max_size=8),
    st.lists(st.sampled_from([2**63, 2**64 - 1, 3]), min_size=60, max_size=600),
    st.lists(st.sampled_from([2**63, 0, 1, -1, True, 2.5]), max_size=100),
    trees,
)
tensor = st.fixed_dictionaries(
    {"dtype": scalars, "shape": shapes, "data_offsets": st.lists(numbers, max_size=3)}
)
safetensors_headers = st.one_of(
    st.dictionaries(hostile_text, tensor | trees, max_size=4).map(lambda h: json.dumps(h).encode()),
    st.dictionaries(hostile_text, trees, max_size=4).map(
        lambda meta: json.dumps({"__metadata__": meta}).encode()
    ),
    st.binary(max_size=200),
)


def _gguf_bytes(version: int, counts: tuple[int, int], tail: bytes) -> bytes:
    return b"GGUF" + struct.pack("<IQQ", version, *counts) + tail


gguf_files = st.builds(
    _gguf_bytes,
    st.sampled_from([1, 2, 3, 2**32 - 1]),
    st.tuples(st.sampled_from([0, 1, 3, 2**63]), st.sampled_from([0, 1, 2, 2**40, 2**64 - 1])),
    st.binary(max_size=200)
    | st.builds(  # one key/value pair whose type and length fields are hostile
        lambda key, kind, length, rest: (
            struct.pack("<Q", len(key)) + key + struct.pack("<IQ", kind, length) + rest
        ),
        st.sampled_from([b"general.architecture", b"x.context_length", b""]),
        st.integers(min_value=0, max_value=20),
        st.sampled_from([0, 4, 2**40, 2**64 - 1]),
        st.binary(max_size=40),
    ),
)


def _model(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "model"
        root.mkdir()
        for name, data in files.items():
            (root / name).write_bytes(data)
        try:
            comp = models.component("m", root)
        except DriftError:
            return
    recorded(comp)


@SETTINGS
@given(safetensors_headers)
@example(json.dumps({"w": {"dtype": "F32", "shape": [2**63] * 600}}).encode())
def test_safetensors_headers(header):
    _model({"model.safetensors": struct.pack("<Q", len(header)) + header})


@FEW
@given(gguf_files)
def test_gguf_headers(raw):
    pytest.importorskip("gguf")
    _model({"model.gguf": raw})


front_matter = st.one_of(
    yaml_snippets,
    st.text(max_size=200),
    st.dictionaries(
        st.sampled_from(["license", "datasets", "base_model", "pipeline_tag", "x"]), trees
    ).map(json.dumps),  # JSON is YAML
)


@SETTINGS
@given(front_matter, st.sampled_from(["---\n{}\n---\n# card", "---{}---", "---\n{}"]))
@example("license: " + "1" * 100_000, "---\n{}\n---\n# card")
@example("license: [0x" + "f" * 5000 + "]", "---\n{}\n---\n# card")
@example('pipeline_tag: "\\ud800"\nbase_model: ["\\udcff"]', "---\n{}\n---\n# card")
def test_model_card_front_matter(text, layout):
    _model({"README.md": layout.format(text).encode("utf-8", "surrogatepass")})


@SETTINGS
@given(
    st.one_of(
        st.dictionaries(
            st.sampled_from(["architectures", "model_type", "torch_dtype", "dtype", "x"]), trees
        ).map(json.dumps),
        trees.map(json.dumps),
        st.text(max_size=100),
    )
)
def test_config_json(text):
    _model({"config.json": text.encode("utf-8", "surrogatepass")})


@FEW
@given(
    st.one_of(
        yaml_snippets,
        st.text(max_size=200),
        trees.map(lambda t: json.dumps({"stages": {"s": {"outs": t}}})),
        trees.map(lambda t: json.dumps({"stages": {"s": {"outs": [{"path": "data", "md5": t}]}}})),
    )
)
def test_dvc_lock_beside_a_dataset(text):
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        (data / "f").write_text("x")
        (Path(tmp) / "dvc.lock").write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            comp = datasets.component(datasets.hash_dataset("data", data))
        except DriftError:
            return
    recorded(comp)


# -- direct_url.json ------------------------------------------------------------------------

direct_urls = st.one_of(
    st.fixed_dictionaries(
        {"url": scalars},
        optional={
            "archive_info": trees | st.fixed_dictionaries({}, optional={"hash": scalars}),
            "vcs_info": trees,
            "dir_info": trees,
            "subdirectory": scalars,
        },
    ).map(json.dumps),
    trees.map(json.dumps),
    st.text(max_size=100),
)


@SETTINGS
@given(direct_urls)
@example(json.dumps({"url": "https://x.example/a.tgz", "archive_info": {"hashes": "sha256"}}))
def test_direct_url_json(text):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "fuzz-1.0.dist-info"
        folder.mkdir()
        (folder / "METADATA").write_text("Metadata-Version: 2.1\nName: fuzz\nVersion: 1.0\n")
        (folder / "direct_url.json").write_text(text, encoding="utf-8", errors="surrogatepass")
        found = distributions.read_distribution(str(folder), tmp, None, MARKERS)
    assert isinstance(found, distributions.Distribution)
    assert all(isinstance(p, str) and "direct_url.json" in p for p in found.problems)
    recorded(distributions.distribution_component(found, {"fuzz": "1.0"}, MARKERS))


# -- store references, dataset names, object-storage URLs ------------------------------------

references = st.one_of(
    st.text(max_size=40),
    st.builds(
        "{}@{}".format,
        st.sampled_from(["good", "other", "", "a" * 300]),
        st.text(max_size=12) | st.sampled_from(["²", "٣", "1" * 5000, "latest", "baseline"]),
    ),
    st.sampled_from(["0" * 8, "f" * 64, "../../etc/passwd", "good/../..", "a" * 300]),
)


@pytest.fixture(scope="module")
def a_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("store")
    LocalStore(root).put("good", GOLDEN.read_bytes())
    return root


@SETTINGS
@given(ref=references)
@example(ref="good@²")
@example(ref="good@" + "1" * 5000)
@example(ref="a" * 300)
def test_store_references(a_store, ref):
    opened = LocalStore(a_store)
    try:
        digest = opened.resolve(ref)
    except DriftError:
        pass
    else:
        assert opened.read(digest)
    try:
        document = located(Path(ref), str(a_store))
    except DriftError:
        return
    assert isinstance(document, Document)


@SETTINGS
@given(
    st.one_of(
        st.text(max_size=60),
        st.builds("{}={}".format, st.text(max_size=20), st.text(max_size=40)),
        st.builds("{}://{}".format, st.sampled_from(["s3", "gs", "az", "file"]), hostile_text),
    )
)
def test_dataset_and_model_names(text):
    try:
        name, path = named(text)
    except DriftError:
        return
    assert datasets._NAME.fullmatch(name)
    url = datasets.remote_url(path)
    assert url is None or "://" in url


s3_urls = st.builds(
    "s3://{}{}/{}".format,
    st.sampled_from(["", "AKIA:SECRET@", "u:p@", ":@", "%zz@"]),
    st.text(max_size=20) | st.sampled_from(["bucket", "[::1", "b:99999", "b?x=1", "b#f"]),
    st.text(max_size=20),
)


@SETTINGS
@given(s3_urls)
def test_s3_urls_open_a_store_or_refuse(url):
    pytest.importorskip("s3fs")
    try:  # opening connects to nothing; only the URL is read
        opened = open_store(url, Path.cwd())
    except DriftError:
        return
    assert isinstance(opened, ObjectStore)


class _Listing:
    """An object store answering a listing with whatever the test gives it."""

    def __init__(self, found: object) -> None:
        self.found = found

    def find(self, root: str, detail: bool = True) -> object:
        return self.found


unicode = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)  # as botocore decodes
listings = st.dictionaries(
    unicode.map(lambda k: f"bucket/prefix/{k}") | unicode,
    st.dictionaries(
        st.sampled_from(["size", "ETag", "etag", "VersionId", "x"]),
        st.none() | st.booleans() | numbers | unicode,
    ),
    max_size=5,
)


@SETTINGS
@given(url=s3_urls, found=listings)
@example(url="s3://bucket/prefix", found={"bucket/prefix/a": {"size": "x"}})
def test_s3_listings(monkeypatch_module, url, found):
    fsspec = pytest.importorskip("fsspec")
    monkeypatch_module.setattr(fsspec.core, "url_to_fs", lambda u, **_: (_Listing(found), u))
    try:
        dataset = datasets.list_remote("d", url)
    except DriftError:
        return
    recorded(datasets.component(dataset))


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch
