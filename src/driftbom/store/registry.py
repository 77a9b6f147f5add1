"""Stores by URL scheme: the built-in ones, those registered, and the ``driftbom.stores`` plugins.

A factory takes the URL as given and returns a ``Store``. A path without a scheme and
``file://`` are local folders; ``s3://`` and any scheme fsspec knows (when installed) are
object stores. A third party adds a scheme with ``register``, or an entry point of the group
``driftbom.stores`` named after it.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from driftbom.errors import Input, UsageError
from driftbom.redact import scrub
from driftbom.store.interface import Store
from driftbom.store.local import open_local

GROUP = "driftbom.stores"
DEFAULT = Path(".drift") / "store"
log = logging.getLogger(__name__)
Factory = Callable[[str], Store]


def _object_store(url: str) -> Store:
    from driftbom.store.objects import ObjectStore  # noqa: PLC0415 - fsspec, s3fs

    return ObjectStore(url)


_FACTORIES: dict[str, Factory] = {"": open_local, "file": open_local, "s3": _object_store}


def register(scheme: str, factory: Factory) -> None:
    """Open ``scheme://...`` URLs with ``factory(url)`` from now on (replacing any other)."""
    _FACTORIES[scheme] = factory


@functools.cache
def _plugins() -> None:
    """Add the entry points of ``driftbom.stores``, once; one that fails is a warning."""
    for point in metadata.entry_points(group=GROUP):
        try:
            _FACTORIES.setdefault(point.name, point.load())
        except Exception as exc:  # noqa: BLE001, PERF203 - a plugin failing is only a warning
            log.warning(
                "the store plugin %s (%s) cannot be loaded: %s", point.name, point.value, exc
            )


def _fsspec_knows(scheme: str) -> bool:
    try:
        import fsspec  # type: ignore[import-untyped,import-not-found,unused-ignore]  # noqa: PLC0415
    except ImportError:
        return False
    return scheme in fsspec.available_protocols() or scheme in fsspec.registry


def open_store(url: str | None, cwd: Path | None = None) -> Store:
    """Return the store ``url`` names, else ``$DRIFT_STORE``'s, else ``.drift/store`` in ``cwd``.

    Raises UsageError for credentials in the URL, an unknown scheme (naming the known ones),
    or a backend that needs a package not installed (s3:// needs driftbom[s3]).
    """
    location = url or os.environ.get("DRIFT_STORE") or str((cwd or Path.cwd()) / DEFAULT)
    scheme = location.partition("://")[0] if "://" in location else ""
    if scheme and scrub(location) != location:
        reason = "credentials in a URL are refused: give them to the storage backend (AWS_*)"
        raise UsageError(reason, what=Input.STORE, path=location)
    if scheme not in _FACTORIES:
        _plugins()  # only a scheme not built in or registered looks for them
    factory = _FACTORIES.get(scheme) or (_object_store if _fsspec_knows(scheme) else None)
    if factory is None:
        known = ", ".join(f"{s}://" for s in sorted(_FACTORIES) if s)
        reason = f"no store for {scheme}://: a folder, {known} or an fsspec protocol"
        raise UsageError(reason, what=Input.STORE, path=location)
    try:
        return factory(location)
    except ImportError as exc:
        reason = f"{scheme}:// needs the {exc.name} package (for s3://: pip install 'driftbom[s3]')"
        raise UsageError(reason, what=Input.STORE, path=location) from None
    except ValueError as exc:
        raise UsageError(str(exc), what=Input.STORE, path=location) from None
