"""A store of snapshots by name: a local folder (``.drift/store`` by default) or object storage.

``Store`` is what every store does; ``Blobs`` what a backend gives the shared ``Layout`` to
be one; ``register(scheme, factory)`` (or an entry point of ``driftbom.stores``) adds a URL
scheme that ``open_store`` then opens.
"""

from __future__ import annotations

from driftbom.store.interface import Blobs, Entry, History, Store
from driftbom.store.layout import Layout, checked_name
from driftbom.store.local import LocalStore
from driftbom.store.registry import DEFAULT, open_store, register

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
    "register",
]
