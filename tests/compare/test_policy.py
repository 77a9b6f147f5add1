from __future__ import annotations

import pytest
import tomllib

from driftbom.comparator import policy
from driftbom.comparator.policy import Scope, Severity
from driftbom.errors import PolicyError


def test_default_policy_matches_design_table():
    default = policy.default()
    assert default.fail_on is Severity.MAJOR
    assert default.scope == frozenset(Scope)
    expected = {
        "python-minor": Severity.CRITICAL,
        "cpu-arch": Severity.CRITICAL,
        "package-major": Severity.MAJOR,
        "package-local-label": Severity.MAJOR,
        "package-source": Severity.MAJOR,
        "os-release": Severity.MAJOR,
        "glibc": Severity.MAJOR,
        "package-minor": Severity.MINOR,
        "package-added": Severity.MINOR,
        "package-removed": Severity.MINOR,
        "cpu-flag-lost": Severity.MINOR,
        "package-patch": Severity.INFO,
        "python-patch": Severity.INFO,
        "os-kernel": Severity.INFO,
        "env": Severity.INFO,
    }
    for rule, severity in expected.items():
        assert default.severity(rule) is severity, rule


def test_shipped_file_is_valid_toml_with_every_rule_documented():
    data = tomllib.loads(policy.default_text())
    assert set(data) == {"fail-on", "scope", "ignore", "severity"}


def test_user_policy_overrides(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(
        'fail-on = "critical"\nscope = ["software"]\nignore = ["pypi:pip", "deb:*"]\n'
        '[severity]\npackage-minor = "major"\nenv = "ignore"\n'
    )
    loaded = policy.load(path)
    assert loaded.fail_on is Severity.CRITICAL
    assert loaded.scope == frozenset({Scope.SOFTWARE})
    assert loaded.severity("package-minor") is Severity.MAJOR
    assert loaded.severity("env") is None
    assert loaded.ignores("pypi:pip")
    assert loaded.ignores("deb:libc6")
    assert not loaded.ignores("pypi:pipx")


def test_pyproject_tool_drift_section(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n[tool.drift]\nfail-on = "minor"\n')
    assert policy.load(None, pyproject).fail_on is Severity.MINOR
    assert policy.load(None, tmp_path / "missing.toml").fail_on is Severity.MAJOR


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('fail-on = "sometimes"\n', "fail-on"),
        ('fail-on = "ignore"\n', "fail-on"),
        ('falls-on = "major"\n', "'falls-on'"),
        ('scope = ["firmware"]\n', "scope"),
        ("scope = []\n", "scope"),
        ("ignore = [1]\n", "ignore"),
        ('[severity]\npackage-mayor = "major"\n', "severity.package-mayor"),
        ('[severity]\npackage-major = "huge"\n', "severity.package-major"),
        ("severity = 3\n", "severity"),
        ("this is = not toml [\n", "not valid TOML"),
    ],
)
def test_malformed_policy_names_the_key(tmp_path, text, needle):
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(PolicyError, match=None) as info:
        policy.load(path)
    assert needle in str(info.value)


def test_unreadable_policy(tmp_path):
    with pytest.raises(PolicyError, match="cannot read"):
        policy.load(tmp_path / "nope.toml")


def test_the_rules_are_exactly_the_default_policy_keys():
    import tomllib

    from driftbom.comparator.policy import default_text
    from driftbom.comparator.rules import Rule

    keys = list(tomllib.loads(default_text())["severity"])
    assert [rule.value for rule in Rule] == keys


@pytest.mark.parametrize("value", ["none", "ignore", 3, ["major"]])
def test_a_bad_fail_on_names_only_the_severities(tmp_path, value):
    import json

    path = tmp_path / "p.toml"
    path.write_text(f"fail-on = {json.dumps(value)}\n")
    with pytest.raises(PolicyError) as caught:
        policy.load(path)
    assert "fail-on" in str(caught.value)
    assert str(caught.value).endswith("is not one of info, minor, major, critical")
