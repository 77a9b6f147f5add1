"""A store of snapshots by name: a local folder (``.drift/store`` by default) or object storage.

``Store`` is what every store does; ``Blobs`` what a backend gives the shared ``Layout`` to
be one; ``register(scheme, factory)`` (or an entry point of ``driftbom.stores``) adds a URL
scheme that ``open_store`` then opens.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from driftbom.sbom.sidecars import sidecar_manifests
from driftbom.store.interface import Blobs, Entry, History, Store
from driftbom.store.layout import Layout, checked_name
from driftbom.store.local import LocalStore
from driftbom.store.registry import DEFAULT, open_store, register

if TYPE_CHECKING:
    from pathlib import Path

    from driftbom.model import Snapshot

__all__ = [
    "DEFAULT",
    "Blobs",
    "Entry",
    "History",
    "Layout",
    "LocalStore",
    "Store",
    "checked_name",
    "open_store",
    "put_if_asked",
    "register",
]


def put_if_asked(
    snapshot: Snapshot, document: bytes, url: str | None, cwd: Path | None = None
) -> tuple[Store, Entry] | None:
    """Store ``document`` (``snapshot`` encoded) in ``url``'s store, else $DRIFT_STORE's.

    It goes under the snapshot's name, with its dataset manifests too large to be inline.
    Returns the store and the new entry; None when neither names a store (nothing stored).
    """
    if url is None and not os.environ.get("DRIFT_STORE"):
        return None
    opened = open_store(url, cwd)
    return opened, opened.put(snapshot.name, document, sidecar_manifests(snapshot).values())
