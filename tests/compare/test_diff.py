from __future__ import annotations

import sys

from driftbom.comparator.changes import ChangeKind
from driftbom.comparator.diff import diff
from driftbom.model import Component, ComponentType, Layer
from driftbom.properties import Prop
from tests.compare.helpers import cpu, pkg, python, snap


def _by_id(changes):
    return {(c.id, c.field): c for c in changes}


def test_identical_documents_have_no_changes():
    one = snap(python(), pkg("numpy", "1.26.4"), cpu())
    assert diff(one, one) == []


def test_package_changes_are_classified():
    ref = snap(python(), pkg("numpy", "1.26.4"), pkg("requests", "2.31.0"), pkg("six", "1.16.0"))
    cur = snap(python(), pkg("numpy", "2.1.0"), pkg("requests", "2.32.3"), pkg("idna", "3.7"))
    changes = _by_id(diff(ref, cur))
    numpy = changes[("pypi:numpy", "version")]
    assert (numpy.kind, numpy.rule, numpy.remedy) == (
        ChangeKind.UPGRADED,
        "package-major",
        "pip install numpy==1.26.4",
    )
    assert changes[("pypi:requests", "version")].rule == "package-minor"
    assert changes[("pypi:six", "component")].kind is ChangeKind.REMOVED
    assert changes[("pypi:idna", "component")].kind is ChangeKind.ADDED


def test_same_version_different_hashes_is_modified():
    ref = snap(pkg("torch", "2.3.1", hashes=[("SHA-256", "a" * 64)]))
    cur = snap(pkg("torch", "2.3.1", hashes=[("SHA-256", "b" * 64)]))
    (change,) = diff(ref, cur)
    assert (change.kind, change.field, change.rule) == (
        ChangeKind.MODIFIED,
        "hashes",
        "package-hash",
    )


def test_overlapping_hash_sets_are_the_same_artifact():
    ref = snap(pkg("torch", "2.3.1", hashes=[("SHA-256", "a" * 64), ("SHA-256", "c" * 64)]))
    cur = snap(pkg("torch", "2.3.1", hashes=[("SHA-256", "a" * 64)]))
    assert diff(ref, cur) == []


def test_source_change_index_to_vcs_is_modified():
    ref = snap(pkg("lib", "1.0"))
    vcs = pkg("lib", "1.0").with_changes(
        properties=((Prop.PYPI_SOURCE, "vcs"), (Prop.PYPI_COMMIT, "abc123"))
    )
    changes = _by_id(diff(ref, snap(vcs)))
    source = changes[("pypi:lib", Prop.PYPI_SOURCE)]
    assert (source.kind, source.reference, source.current, source.rule) == (
        ChangeKind.MODIFIED,
        "index",
        "vcs",
        "package-source",
    )
    assert changes[("pypi:lib", Prop.PYPI_COMMIT)].current == "abc123"


def test_machine_specific_properties_never_drift_and_deepdiff_stays_unloaded():
    sys.modules.pop("deepdiff", None)
    ref = snap(pkg("six", "1.16.0", (Prop.PYPI_LOCATION, "/home/a/venv/lib")))
    cur = snap(pkg("six", "1.16.0", (Prop.PYPI_LOCATION, "/opt/b/venv/lib")))
    assert diff(ref, cur) == []
    assert "deepdiff" not in sys.modules


def test_local_label_change():
    (change,) = diff(snap(pkg("torch", "2.3.1+cu121")), snap(pkg("torch", "2.3.1+cu118")))
    assert (change.kind, change.rule) == (ChangeKind.MODIFIED, "package-local-label")


def test_python_minor_and_patch():
    (minor,) = diff(snap(python("3.10.14")), snap(python("3.11.7")))
    assert minor.rule == "python-minor"
    assert minor.remedy == "use Python 3.10.14"
    (patch,) = diff(snap(python("3.11.7")), snap(python("3.11.9")))
    assert patch.rule == "python-patch"


def test_lost_important_cpu_flag():
    changes = diff(snap(cpu("avx avx2 avx512f fma")), snap(cpu("avx avx2 fma sse3")))
    rules = {c.rule: c for c in changes}
    assert rules["cpu-flag-lost"].reference == "avx512f"
    assert "gained sse3" in rules["cpu-flags"].reason


def test_cpu_arch_change():
    changes = diff(snap(cpu(arch="x86_64")), snap(cpu(arch="aarch64")))
    assert [c.rule for c in changes] == ["cpu-arch"]


def test_layer_not_recorded_is_one_info_change_not_removals():
    ref = snap(python(), pkg("six", "1.16.0"), cpu())
    cur = snap(pkg("six", "1.16.0"), layers=(Layer.PACKAGES,))
    changes = diff(ref, cur)
    assert {c.kind for c in changes} == {ChangeKind.NOT_RECORDED}
    assert {c.id for c in changes} == {"layer:python", "layer:cpu"}


def test_env_var_changes():
    changes = diff(
        snap(env={"OMP_NUM_THREADS": "8", "A_B": "x"}), snap(env={"OMP_NUM_THREADS": "4"})
    )
    by = {c.id: c for c in changes}
    assert by["env:OMP_NUM_THREADS"].kind is ChangeKind.MODIFIED
    assert by["env:A_B"].kind is ChangeKind.REMOVED


def test_non_pep440_version_compared_as_string():
    ref = snap(pkg("odd", "2023-rc"))
    cur = snap(pkg("odd", "2024-final"))
    (change,) = diff(ref, cur)
    assert (change.kind, change.rule) == (ChangeKind.MODIFIED, "package-unparsable")


def test_os_release_change():
    def os_comp(name, version):
        return Component(ref="os", type=ComponentType.OPERATING_SYSTEM, name=name, version=version)

    changes = diff(snap(os_comp("debian", "12")), snap(os_comp("ubuntu", "22.04")))
    assert {c.rule for c in changes} == {"os-release"}


def test_nested_json_property_is_compared_with_deepdiff():
    key = "drift:params:optimizer"
    ref = snap(pkg("trainer", "1.0", (key, '{"lr": 0.001, "betas": [0.9, 0.999], "name": "adam"}')))
    cur = snap(
        pkg(
            "trainer",
            "1.0",
            (key, '{"lr": 0.01, "betas": [0.9, 0.999], "name": "adam", "wd": 0.1}'),
        )
    )
    changes = _by_id(diff(ref, cur))
    lr = changes[("pypi:trainer", f"{key}.lr")]
    assert (lr.reference, lr.current) == ("0.001", "0.01")
    added = changes[("pypi:trainer", f"{key}.wd")]
    assert (added.reference, added.current) == (None, "0.1")
    assert "deepdiff" in sys.modules


def test_flat_property_change_does_not_import_deepdiff():
    sys.modules.pop("deepdiff", None)
    ref = snap(pkg("six", "1.16.0", (Prop.PYPI_INSTALLER, "pip")))
    cur = snap(pkg("six", "1.16.0", (Prop.PYPI_INSTALLER, "uv")))
    (change,) = diff(ref, cur)
    assert (change.rule, change.reference, change.current) == ("package-installer", "pip", "uv")
    assert "deepdiff" not in sys.modules


def test_properties_one_tool_does_not_record_are_not_changes():

    ours = snap(pkg("six", "1.16.0"))
    foreign = snap(pkg("six", "1.16.0").with_changes(properties=()))._replace(tool="foreign")
    assert diff(foreign, ours) == []
    assert diff(ours, foreign) == []


def test_a_declared_licence_change_is_package_license_and_unknown_is_not_a_change():
    mit = pkg("lib", "1.0")._replace(licenses=(("expression", "MIT"),))
    apache = pkg("lib", "1.0")._replace(licenses=(("expression", "Apache-2.0"),))
    unknown = pkg("lib", "1.0")
    (change,) = diff(snap(python(), mit), snap(python(), apache))
    assert (change.rule.value, change.reference, change.current) == (
        "package-license",
        "MIT",
        "Apache-2.0",
    )
    assert diff(snap(python(), unknown), snap(python(), apache)) == []  # older documents
