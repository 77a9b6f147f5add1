"""Exceptions: one base, one subclass per layer.

Each carries data, not command-line wording: ``reason``, and, when one input is at fault,
``what`` it is (an ``Input``) and its ``path`` or value. The CLI is the only place that
turns them into a message (naming the flag for ``what``) and an exit code; every one of
them means "bad input or environment", exit 2.
"""

from __future__ import annotations

from enum import Enum


class Input(str, Enum):
    """The inputs an error can be about; the CLI names the flag of each."""

    PYTHON = "python"
    LOCK = "lock"
    OUTPUT = "output"
    BASE_IMAGE = "base-image"
    SYSTEM_PACKAGES = "system-packages"
    VENV = "venv"
    INDEX_URL = "index-url"
    PARAMS = "params"
    PHASE = "phase"
    DATASET = "dataset"
    MODEL = "model"
    PARENT = "parent"
    COMMAND = "command"
    STORE = "store"
    NAME = "name"
    REDACT = "redact"
    KEY = "key"
    SIGNATURE = "signature"
    SIGNING_KEY = "signing-key"
    TRUST = "trust"
    FRAMEWORK = "framework"
    DATASET_INFO = "dataset-info"
    MODEL_INFO = "model-info"
    AUTHOR = "author"
    SUPPLIER = "supplier"


class Remedy(str, Enum):
    """A way out the caller can choose; the CLI names the flag of each."""

    SKIP_UNREPRODUCIBLE = "leave out what cannot be reproduced"
    NO_RESOLVE = "pin without hashes (pip cannot verify them)"
    STORE_ONE = "store a snapshot first"
    LIST_NAMES = "list the stored names"
    LIST_RULES = "list the rules"


class DriftError(Exception):
    """Base of every error driftbom raises on purpose."""

    def __init__(
        self,
        reason: str,
        *,
        what: Input | None = None,
        path: str | None = None,
        remedy: Remedy | None = None,
    ) -> None:
        """Hold ``reason``, the input (``what``, ``path``) it is about, and a ``remedy``."""
        self.reason, self.what, self.path, self.remedy = reason, what, path, remedy
        super().__init__(reason)

    def __str__(self) -> str:
        """Return ``what path: reason`` (or just the reason)."""
        subject = " ".join(str(p) for p in (self.what and self.what.value, self.path) if p)
        text = f"{subject}: {self.reason}" if subject else self.reason
        return f"{text} (or {self.remedy.value})" if self.remedy else text


class UsageError(DriftError):
    """A value the caller passed is unusable (missing file, bad option value)."""


class ProbeError(DriftError):
    """A probe could not run at all (for example the interpreter is not Python)."""


class SbomError(DriftError):
    """A document is unreadable, not JSON, not CycloneDX or unsupported."""


class PolicyError(DriftError):
    """A drift policy is malformed."""


class RebuildError(DriftError):
    """An SBOM cannot be turned into a safe, reproducible build."""


class StoreError(DriftError):
    """A snapshot store cannot be read or written."""


class CannotExecuteError(UsageError):
    """``drift run``'s command exists but cannot be executed (not executable, a folder)."""


class CommandNotFoundError(CannotExecuteError):
    """``drift run``'s command is not a program that exists."""
