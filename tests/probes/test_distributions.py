from __future__ import annotations

import json
from pathlib import Path

import pytest

from driftbom.probes.python import distributions
from driftbom.properties import Prop
from tests.conftest import FIXTURES

SITE = FIXTURES / "python" / "site-packages"
MARKERS = json.loads((FIXTURES / "python" / "helper-cpython-3.11.7.json").read_text())["markers"]


def _dist(root: Path, dirname: str, metadata: str, **files: str) -> Path:
    path = root / dirname
    path.mkdir(parents=True)
    (path / "METADATA").write_text(metadata)
    for name, text in files.items():
        (path / name).write_text(text)
    return path


def test_scan_reads_real_dist_info():
    dists, notes = distributions.scan([str(SITE)])
    assert notes == []
    by_key = {d.key: d for d in dists}
    assert by_key["six"].version == "1.17.0"
    assert by_key["typer"].installer == "pip"
    assert by_key["typer"].direct_url["url"].endswith(".whl")
    assert by_key["markdown-it-py"].name in ("markdown-it-py", "markdown_it_py")
    assert by_key["six"].record_digest.startswith("sha256:")


def test_sources_per_pep_610():
    dists, _ = distributions.scan([str(SITE)])
    installed = {d.key: d.version for d in dists}
    comps = {d.key: distributions.distribution_component(d, installed, MARKERS) for d in dists}
    assert comps["six"].prop(Prop.PYPI_SOURCE) == "index"
    assert comps["driftbom"].prop(Prop.PYPI_SOURCE) == "editable"
    typer = comps["typer"]
    assert typer.prop(Prop.PYPI_SOURCE) == "url"
    assert typer.hashes == (
        ("SHA-256", "afd18929180b706c5e9a239f53c3c8136903553c0c2d460598bbaa924191d4ab"),
    )
    assert typer.purl == "pkg:pypi/typer@0.28.0"
    # Requires-Dist edges to installed distributions only, markers evaluated
    assert set(typer.depends_on) == {"pypi:rich", "pypi:shellingham", "pypi:annotated-doc"}


def test_vcs_source_keeps_commit_and_redacts_credentials(tmp_path):
    direct = {
        "url": "https://deploy:canary-vcs-secret@git.example.com/org/lib.git",
        "vcs_info": {"vcs": "git", "commit_id": "0123456789abcdef0123456789abcdef01234567"},
    }
    _dist(
        tmp_path,
        "lib-1.0.dist-info",
        "Name: lib\nVersion: 1.0\n",
        **{"direct_url.json": json.dumps(direct)},
    )
    (dist,), _ = distributions.scan([str(tmp_path)])
    comp = distributions.distribution_component(dist, {"lib": "1.0"}, MARKERS)
    assert comp.prop(Prop.PYPI_SOURCE) == "vcs"
    assert comp.prop(Prop.PYPI_COMMIT) == direct["vcs_info"]["commit_id"]
    assert comp.prop(Prop.PYPI_SOURCE_URL) == "https://git.example.com/org/lib.git"


def test_bad_metadata_is_a_note_and_the_rest_is_kept(tmp_path):
    _dist(tmp_path, "good-1.0.dist-info", "Metadata-Version: 2.1\nName: good\nVersion: 1.0\n")
    _dist(tmp_path, "noname-1.0.dist-info", "Metadata-Version: 2.1\nVersion: 1.0\n")
    (tmp_path / "empty-1.0.dist-info").mkdir()
    dists, notes = distributions.scan([str(tmp_path)])
    assert [d.name for d in dists] == ["good"]
    assert len(notes) == 2
    assert any("no Name" in n for n in notes)
    assert any("unreadable" in n for n in notes)


def test_same_project_twice_keeps_first_on_path_and_notes_it(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    _dist(first, "pkg-2.0.dist-info", "Name: pkg\nVersion: 2.0\n")
    _dist(second, "Pkg-1.0.dist-info", "Name: Pkg\nVersion: 1.0\n")
    dists, notes = distributions.scan([str(first), str(second)])
    assert [(d.name, d.version) for d in dists] == [("pkg", "2.0")]
    assert notes == [f"Pkg 1.0 in {second} is shadowed by pkg 2.0 in {first}"]


def test_non_pep440_version_is_kept_as_written_and_flagged(tmp_path):
    _dist(tmp_path, "odd-x.dist-info", "Name: odd\nVersion: 2023-rc-final!\n")
    (dist,), _ = distributions.scan([str(tmp_path)])
    comp = distributions.distribution_component(dist, {"odd": "1.0"}, MARKERS)
    assert comp.version == "2023-rc-final!"
    assert comp.prop(Prop.PYPI_VERSION_INVALID) == "true"


def test_egg_info_directory_is_read(tmp_path):
    egg = tmp_path / "legacy.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Metadata-Version: 1.1\nName: legacy\nVersion: 0.9\n")
    (egg / "requires.txt").write_text("six\n\n[extra]\nnumpy\n")
    (dist,), _ = distributions.scan([str(tmp_path)])
    assert (dist.name, dist.version, dist.requires) == ("legacy", "0.9", ("six",))


def test_dependency_markers():
    reqs = [
        "a>=1",
        "b; python_version < '3'",
        "c; extra == 'test'",
        "d (>=2) ; sys_platform == 'linux'",
        "E_f[x]; python_version >= '3.8'",
    ]
    dep = distributions.Dependency
    assert distributions.applicable(reqs, MARKERS) == (
        dep("a", ">=1", extra=False),
        dep("c", "", extra=True),  # through the extra "test": an edge, never a pip check
        dep("d", ">=2", extra=False),
        dep("e-f", "", extra=False),
    )


def test_broken_requirements_as_pip_check_sees_them(tmp_path):
    _dist(
        tmp_path,
        "app-1.0.dist-info",
        "Name: app\nVersion: 1.0\nRequires-Dist: lib>=2\nRequires-Dist: gone\n"
        "Requires-Dist: fine<3\nRequires-Dist: opt>=9; extra == 'all'\n"
        "Requires-Dist: win; sys_platform == 'win32'\n",
    )
    for name, version in (("lib", "1.5"), ("fine", "2.0"), ("opt", "1.0")):
        _dist(tmp_path, f"{name}-{version}.dist-info", f"Name: {name}\nVersion: {version}\n")
    dists, _ = distributions.scan([str(tmp_path)])
    installed = {d.key: d.version for d in dists}
    comps = {d.key: distributions.distribution_component(d, installed, MARKERS) for d in dists}
    app = comps["app"]
    assert app.props(Prop.PYPI_BROKEN) == ("gone (not installed)", "lib>=2 (1.5 installed)")
    assert app.depends_on == ("pypi:fine", "pypi:lib", "pypi:opt")  # opt: through an extra
    assert not any(c.props(Prop.PYPI_BROKEN) for k, c in comps.items() if k != "app")


def test_verdicts_are_remembered_without_packaging(tmp_path, monkeypatch):
    import sys

    first = distributions.Verdicts(tmp_path)
    assert first(">=2", "1.5") is False
    assert first("<3", "2.0") is True
    first.save()
    for name in [m for m in sys.modules if m == "packaging" or m.startswith("packaging.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(distributions, "satisfies", None)  # would fail if called
    again = distributions.Verdicts(tmp_path)
    assert again(">=2", "1.5") is False
    assert again("<3", "2.0") is True
    assert not any(m.startswith("packaging") for m in sys.modules)


def test_crlf_metadata_is_read_like_lf(tmp_path):
    body = (
        "Metadata-Version: 2.1\r\nName: nest-asyncio2\r\nVersion: 1.6.1\r\n"
        "Requires-Dist: six\r\n\r\nName: not-me\r\n"
    )
    path = tmp_path / "nest_asyncio2-1.6.1.dist-info"
    path.mkdir()
    (path / "METADATA").write_bytes(body.encode())
    (dist,), notes = distributions.scan([str(tmp_path)])
    assert (dist.name, dist.version, dist.requires, notes) == (
        "nest-asyncio2",
        "1.6.1",
        ("six",),
        [],
    )


def test_components_are_built_normalized():
    dists, _ = distributions.scan([str(SITE)])
    installed = {d.key: d.version for d in dists}
    for dist in dists:
        comp = distributions.distribution_component(dist, installed, MARKERS)
        assert comp == comp.normalized()


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (
            "License-Expression: MIT OR Apache-2.0\nLicense: ignored\n",
            (("expression", "MIT OR Apache-2.0"),),
        ),
        ("License: BSD 3-Clause\n  the rest of the text\n", (("name", "BSD 3-Clause"),)),
        (
            "License: UNKNOWN\nClassifier: License :: OSI Approved :: MIT License\n",
            (("name", "MIT License"),),
        ),
        (
            (
                "Classifier: License :: OSI Approved :: MIT License\n"
                "Classifier: License :: OSI Approved :: Apache Software License\n"
                "Classifier: Programming Language :: Python\n"
            ),
            (("name", "MIT License"), ("name", "Apache Software License")),
        ),
        ("License: " + "x" * 5000 + "\n", (("name", "x" * distributions.MAX_LICENSE),)),
        ("Classifier: License :: OSI Approved\n", ()),
        ("", ()),
    ],
)
def test_the_declared_licence(tmp_path, headers, expected):
    _dist(tmp_path, "lic-1.0.dist-info", f"Name: lic\nVersion: 1.0\n{headers}")
    (dist,), _ = distributions.scan([str(tmp_path)])
    assert dist.licenses == expected
    comp = distributions.distribution_component(dist, {"lic": "1.0"}, MARKERS)
    assert comp.licenses == expected


def test_wheel_tags_are_recorded_and_junk_is_dropped(tmp_path):
    wheel = (
        "Wheel-Version: 1.0\nGenerator: bdist_wheel (0.43.0)\nRoot-Is-Purelib: false\n"
        "Tag: cp311-cp311-manylinux_2_17_x86_64\nTag: cp311-cp311-manylinux2014_x86_64\n"
        "Tag: not a tag; rm -rf /\nTag: \x1b[31m-x-y\n"
    )
    _dist(tmp_path, "lib-1.0.dist-info", "Name: lib\nVersion: 1.0\n", WHEEL=wheel)
    (dist,), _ = distributions.scan([str(tmp_path)])
    assert dist.wheel_tags == (
        "cp311-cp311-manylinux_2_17_x86_64",
        "cp311-cp311-manylinux2014_x86_64",
    )
    comp = distributions.distribution_component(dist, {"lib": "1.0"}, MARKERS)
    assert comp.props(Prop.PYPI_WHEEL_TAG) == tuple(sorted(dist.wheel_tags))
