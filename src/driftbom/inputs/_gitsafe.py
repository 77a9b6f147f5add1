"""How git is run so that nothing a repository configures runs a program.

git reads its configuration from the repository (``.git/config``, ``config.worktree``, every
``include.path`` and ``includeIf``), the user's and the system's files, and the environment.
Several keys name a program that git then runs: filter drivers (``filter.<driver>.clean``,
``.smudge``, ``.process``, chosen by ``.gitattributes``), ``core.fsmonitor``, hooks, pagers,
diff drivers, helpers and transports. Each class is switched off here for every git that
drift runs:

* the environment is rebuilt from nothing (no ``GIT_CONFIG_*``, ``GIT_DIR``, pager, editor or
  askpass variable of the caller reaches git), and no transport is allowed, so no fetch (a
  partial clone's lazy fetch included) can start an ssh, ``ext::`` or upload-pack command;
* command-line settings, which win over every file, turn off fsmonitor, hooks, pagers,
  editors, credential helpers and signing programs;
* every filter driver that any configuration defines is overridden with empty commands
  (through ``GIT_CONFIG_COUNT``, which takes any driver name as it is);
* submodules are compared by commit only (looking inside one would run git there, under its
  own configuration), external diff drivers and textconv are off where a diff is made.
"""

from __future__ import annotations

import os
from typing import NamedTuple

_OFF = (
    "core.fsmonitor=false",
    "core.untrackedCache=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.editor=:",
    "sequence.editor=:",
    "core.askPass=",
    "core.sshCommand=",
    "credential.helper=",
    "gpg.program=",
    "diff.external=",
    "protocol.allow=never",
    "status.submoduleSummary=false",
    "submodule.recurse=false",
    "safe.bareRepository=explicit",
)
SAFE_OPTIONS: tuple[str, ...] = (
    "--no-pager",
    "--no-optional-locks",
    *(arg for setting in _OFF for arg in ("-c", setting)),
)
"""Options before every git subcommand drift runs."""

FILTER_KEYS = ("clean", "smudge", "process", "required")
MAX_DRIVERS = 1000
"""More filter drivers than this and the probe gives up (the overrides would not fit)."""


class Config(NamedTuple):
    """What drift needs from ``git config --list``: filter drivers and the remote."""

    drivers: frozenset[str]
    """Every filter driver any configuration names (each gets empty commands)."""
    live: frozenset[str]
    """The drivers with a ``clean`` or ``process`` command: git would run them for status."""
    remote: str
    """``remote.origin.url`` (its last value, as ``git config --get`` answers), or ``""``."""


def parse_config(raw: bytes) -> Config:
    """Return the filter drivers and remote URL of ``git config -z --list`` output."""
    values: dict[str, str] = {}
    drivers: set[str] = set()
    for item in os.fsdecode(raw).split("\0"):
        key, _, value = item.partition("\n")
        values[key] = value
        section, _, rest = key.partition(".")
        driver, _, name = rest.rpartition(".")
        if section == "filter" and driver and name in FILTER_KEYS:
            drivers.add(driver)
    live = {
        d for d in drivers if values.get(f"filter.{d}.clean") or values.get(f"filter.{d}.process")
    }
    return Config(frozenset(drivers), frozenset(live), values.get("remote.origin.url", ""))


def environment(environ: dict[str, str], drivers: frozenset[str] = frozenset()) -> dict[str, str]:
    """Return git's whole environment: PATH and HOME of ``environ``, the rest drift's own.

    Each of ``drivers`` is given empty commands and made optional, so git compares the
    files as they are instead of running the driver.
    """
    keep: dict[str, str] = {k: environ[k] for k in ("PATH", "HOME") if k in environ}
    env: dict[str, str] = {
        **keep,
        "LC_ALL": "C",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ALLOW_PROTOCOL": "",  # no transport at all: no fetch, no helper, no ssh
        "GIT_NO_LAZY_FETCH": "1",
        "GIT_NO_REPLACE_OBJECTS": "1",
    }
    overrides = [(f"filter.{d}.{key}", "") for d in sorted(drivers) for key in FILTER_KEYS]
    for index, (key, value) in enumerate(overrides):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value if not key.endswith(".required") else "false"
    if overrides:
        env["GIT_CONFIG_COUNT"] = str(len(overrides))
    return env
