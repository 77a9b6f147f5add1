"""A trust policy: which public keys are trusted, and which record names each may sign.

```toml
require = "signed"          # or "valid" (the default): what an audit fails on
[[keys]]
key = "keys/ci.pub"         # a PEM public key, relative to this file (or env:NAME)
names = ["train-*"]         # record names (shell-style patterns) it may sign; all when absent
```

A signature by a trusted key over a record whose name the key may not sign counts as not
trusted. The file is read with a size cap; a malformed one is an error naming it.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Any, NamedTuple

from driftbom import bounded
from driftbom.errors import Input, UsageError
from driftbom.signing.keys import ENV_PREFIX, Verifier, public_key

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

MAX_POLICY = 256 * 1024
MAX_KEYS = 256
REQUIRES = ("valid", "signed")


class Trusted(NamedTuple):
    """A trusted key and the record names it may sign."""

    verifier: Verifier
    names: tuple[str, ...]
    """Shell-style patterns of the names it may sign."""


class TrustPolicy(NamedTuple):
    """The trusted keys, and whether an unsigned record fails (``signed``) or passes."""

    keys: tuple[Trusted, ...]
    require: str = "valid"

    @property
    def verifiers(self) -> list[Verifier]:
        """Return every trusted key."""
        return [trusted.verifier for trusted in self.keys]

    def allowed(self, key_id: str, name: str) -> bool:
        """Return True when the key ``key_id`` may sign records named ``name``."""
        return any(
            t.verifier.id == key_id and any(fnmatch.fnmatchcase(name, p) for p in t.names)
            for t in self.keys
        )


def _bad(path: Path, reason: str) -> UsageError:
    return UsageError(reason, what=Input.TRUST, path=str(path))


def _key(item: Any, index: int, path: Path, environ: Mapping[str, str]) -> Trusted:
    where = f"keys[{index}]"
    if not isinstance(item, dict) or not isinstance(item.get("key"), str):
        raise _bad(path, f"{where}: a table with key = a public key's path")
    names = item.get("names", ["*"])
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise _bad(path, f"{where}: names must be a non-empty list of patterns")
    unknown = sorted(set(item) - {"key", "names"})
    if unknown:
        raise _bad(path, f"{where}: unknown field {unknown[0]!r}")
    source = item["key"]
    if not source.startswith(ENV_PREFIX):
        source = str(path.parent / source)
    return Trusted(public_key(source, environ), tuple(names))


def load(path: Path, environ: Mapping[str, str]) -> TrustPolicy:
    """Return the trust policy in the TOML file ``path``; raises UsageError naming it."""
    text = bounded.read_or(path, MAX_POLICY, lambda why: _bad(path, why))
    try:
        data = bounded.toml(text.decode("utf-8", errors="replace"))
    except ValueError as exc:
        raise _bad(path, f"not TOML ({str(exc)[:120]})") from None
    keys, require = data.get("keys"), data.get("require", "valid")
    if not isinstance(keys, list) or not keys or len(keys) > MAX_KEYS:
        raise _bad(path, f"keys must be a list of 1 to {MAX_KEYS} [[keys]] tables")
    if require not in REQUIRES:
        raise _bad(path, f"require must be one of {', '.join(REQUIRES)}")
    unknown = sorted(set(data) - {"keys", "require"})
    if unknown:
        raise _bad(path, f"unknown field {unknown[0]!r}")
    found = tuple(_key(item, i, path, environ) for i, item in enumerate(keys))
    return TrustPolicy(found, require)


def policy_of(keys: Sequence[str], path: Path | None, environ: Mapping[str, str]) -> TrustPolicy:
    """Return the trust policy of the file ``path`` plus ``keys`` (each may sign any name)."""
    if not keys and path is None:
        raise UsageError("give a public key, or a trust policy", what=Input.KEY)
    if len(keys) > MAX_KEYS:
        raise UsageError(f"more than {MAX_KEYS} trusted keys", what=Input.KEY)
    found = load(path, environ) if path is not None else TrustPolicy(())
    given = tuple(Trusted(public_key(k, environ), ("*",)) for k in keys)
    if len(found.keys) + len(given) > MAX_KEYS:
        raise UsageError(f"more than {MAX_KEYS} trusted keys", what=Input.KEY)
    return found._replace(keys=found.keys + given)
