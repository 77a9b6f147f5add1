"""The layers contract names every module of driftbom, so none escapes the import rules."""

from __future__ import annotations

import re
import sys

from tests.conftest import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def test_the_layers_contract_names_every_top_level_module():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers"]
    named = {name for layer in layers for name in re.split(r"[|:]", layer)}
    named = {name.strip().removeprefix("driftbom.") for name in named}
    package = ROOT / "src" / "driftbom"
    present = {
        path.stem if path.is_file() else path.name
        for path in package.iterdir()
        if (path.suffix == ".py" and path.name != "__init__.py")
        or (path.is_dir() and (path / "__init__.py").exists())
    }
    assert present - named == set()
    assert named - present == set()
