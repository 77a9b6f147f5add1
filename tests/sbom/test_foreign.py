"""Documents written by other tools: matched by purl, unrecorded layers are not removals."""

from __future__ import annotations

import json

from driftbom.comparator import policy
from driftbom.comparator.changes import ChangeKind
from driftbom.comparator.report import build
from driftbom.model import Layer
from driftbom.sbom import codecs, cyclonedx, schema
from tests.conftest import FIXTURES

SBOMS = FIXTURES / "sbom"


def test_uv_export_is_read_by_purl():
    snap = codecs.read(SBOMS / "uv-export-cyclonedx1.5.cdx.json")
    assert snap.tool == "foreign"
    assert snap.spec_version == "1.5"
    refs = {c.ref for c in snap.components}
    assert {"pypi:attrs", "pypi:requests", "pypi:charset-normalizer"} <= refs
    assert snap.layers == (Layer.PACKAGES,)
    assert schema.errors(json.loads((SBOMS / "uv-export-cyclonedx1.5.cdx.json").read_text())) == []


def test_foreign_reference_against_driftbom_snapshot_reports_no_package_drift():
    foreign = codecs.read(SBOMS / "uv-export-cyclonedx1.5.cdx.json")
    ours = cyclonedx.from_dict(
        json.loads((FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json").read_text()),
        "golden",
    )
    report = build(foreign, ours, policy.default())
    kinds = {f.change.kind for f in report.findings if f.change.layer is not Layer.PACKAGES}
    assert kinds <= {ChangeKind.NOT_RECORDED}
    not_recorded = {
        f.change.id for f in report.findings if f.change.kind is ChangeKind.NOT_RECORDED
    }
    assert {"layer:os", "layer:cpu", "layer:python"} <= not_recorded
    assert all(
        f.severity.value == "info"
        for f in report.findings
        if f.change.kind is ChangeKind.NOT_RECORDED
    )


def test_nested_foreign_components_are_flattened_and_matched_by_purl():
    doc = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "components": [
            {
                "type": "application",
                "name": "app",
                "bom-ref": "app-1",
                "components": [
                    {
                        "type": "library",
                        "name": "NumPy",
                        "version": "1.26.4",
                        "bom-ref": "x-1",
                        "purl": "pkg:pypi/NumPy@1.26.4",
                    },
                    {
                        "type": "library",
                        "name": "libc6",
                        "version": "2.36-9",
                        "bom-ref": "x-2",
                        "purl": "pkg:deb/debian/libc6@2.36-9?arch=amd64",
                    },
                ],
            }
        ],
    }
    snap = cyclonedx.from_dict(doc, "nested")
    refs = {c.ref for c in snap.components}
    assert {"pypi:numpy", "deb:libc6", "app-1"} <= refs


def test_cyclonedx_py_document():
    path = SBOMS / "cyclonedx-py-environment.cdx.json"
    assert schema.errors(json.loads(path.read_text())) == []
    snap = codecs.read(path)
    versions = {c.ref: c.version for c in snap.components}
    assert versions["pypi:attrs"] == "23.2.0"
    assert versions["pypi:six"] == "1.16.0"
    assert versions["pypi:requests"] == "2.32.3"
    assert set(snap.layers) == {Layer.PACKAGES}
    licences = {c.ref: c.licenses for c in snap.components}
    assert licences["pypi:attrs"] == (("name", "MIT"),)  # an SPDX id, read as its name
    assert ("name", "Apache-2.0") in licences["pypi:requests"]


def test_licences_round_trip_and_validate(tmp_path):
    from driftbom.model import Component, ComponentType

    comp = Component(
        ref="pypi:lib",
        type=ComponentType.LIBRARY,
        name="lib",
        version="1.0",
        licenses=(("name", "BSD 3-Clause"), ("name", "MIT License")),
    )
    expression = comp._replace(ref="pypi:other", licenses=(("expression", "MIT OR Apache-2.0"),))
    golden = codecs.read(FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json")
    snap = golden._replace(components=(*golden.components, comp, expression))
    document = cyclonedx.to_dict(snap)
    assert schema.errors(document) == []
    path = tmp_path / "lic.cdx.json"
    path.write_bytes(cyclonedx.encode(document))
    back = {c.ref: c.licenses for c in codecs.read(path).components}
    assert back["pypi:lib"] == comp.licenses
    assert back["pypi:other"] == expression.licenses
