"""The indexes pip and uv are configured with, read as files, credentials scrubbed."""

from __future__ import annotations

import os

from driftbom.probes.interface import ProbeContext
from driftbom.probes.python.indexes import configured


def _write(path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_pip_files_env_and_uv_in_order_scrubbed(tmp_path):
    root, cwd = tmp_path / "root", tmp_path / "project"
    _write(root / "etc/pip.conf", "[global]\nextra-index-url = https://a.example/simple\n")
    _write(
        root / "home/u/.config/pip/pip.conf",
        "[install]\nindex-url = https://user:s3cret@b.example/simple\n",
    )
    _write(root / "venv/pip.conf", "[global]\nextra-index-url =\n  https://c.example/simple\n")
    _write(cwd / "uv.toml", '[[index]]\nname = "d"\nurl = "https://d.example/simple"\n')
    _write(cwd / "pyproject.toml", '[tool.uv]\nextra-index-url = ["https://e.example/simple"]\n')
    environ = {
        "HOME": "/home/u",
        "PIP_EXTRA_INDEX_URL": "https://f.example/simple https://a.example/simple",
        "UV_INDEX": "g=https://g.example/simple",
    }
    ctx = ProbeContext(root=root, environ=environ, cwd=cwd)
    assert configured(ctx, "/venv") == (
        "https://a.example/simple",
        "https://b.example/simple",  # the password never leaves
        "https://c.example/simple",
        "https://f.example/simple",
        "https://g.example/simple",
        "https://d.example/simple",
        "https://e.example/simple",
    )


def test_pip_config_file_devnull_and_junk(tmp_path):
    root = tmp_path / "root"
    _write(root / "etc/pip.conf", "[global]\nindex-url = https://a.example/simple\n")
    devnull = ProbeContext(root=root, environ={"PIP_CONFIG_FILE": os.devnull}, cwd=tmp_path)
    assert configured(devnull, "/venv") == ()
    _write(root / "etc/pip.conf", "\x00 not [an ini\n")
    _write(tmp_path / "uv.toml", "not = [toml")
    junk = ProbeContext(root=root, environ={}, cwd=tmp_path)
    assert configured(junk, "/venv") == ()
    os.mkfifo(root / "etc/xdg-fifo")
    fifo = ProbeContext(root=root, environ={"PIP_CONFIG_FILE": "/etc/xdg-fifo"}, cwd=tmp_path)
    assert configured(fifo, "/venv") == ()  # never waits on a FIFO


def test_a_rebuild_uses_configured_https_indexes_and_says_which_it_leaves_out():
    from tests.rebuild.helpers import make_plan, reproducible_doc

    doc = reproducible_doc()
    python = next(c for c in doc["components"] if c["bom-ref"] == "python")
    python["properties"] += [
        {"name": "drift:python:index-url", "value": "https://mirror.example/simple"},
        {"name": "drift:python:index-url", "value": "http://plain.example/simple"},
    ]
    plan = make_plan(doc)
    assert plan.index_urls == ("https://mirror.example/simple/",)
    assert any("plain.example" in note for note in plan.not_reproduced)
