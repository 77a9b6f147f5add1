"""Dataset manifests too large to be inline: beside a document, whatever its format."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom import atomic, bounded, manifest
from driftbom.properties import Prop

if TYPE_CHECKING:
    from pathlib import Path

    from driftbom.model import Component, Snapshot
    from driftbom.sbom.interface import Fetcher

SIDECARS = "drift-manifests"
"""The folder beside a document that holds the manifests too large to be inline."""
MAX_SIDECAR = 512 * bounded.MiB


def sidecar_manifests(snapshot: Snapshot) -> dict[str, bytes]:
    """Return each dataset manifest too large to be inline, by the hex of its BLAKE3."""
    found = {}
    for comp in snapshot.components:
        ref, text = comp.prop(Prop.DATASET_MANIFEST_REF), comp.prop(Prop.DATASET_MANIFEST)
        if ref is not None and text is not None:
            found[ref.removeprefix(manifest.PREFIX)] = manifest.data(text)
    return found


def write_sidecars(snapshot: Snapshot, document: Path) -> list[Path]:
    """Write each large dataset manifest to ``<document's folder>/drift-manifests/<hex>``.

    Content-addressed (BLAKE3 of the manifest), so runs share them and a reader can check
    them. Returns the files written (those already there are kept).
    """
    written = []
    for hexdigest, data in sidecar_manifests(snapshot).items():
        target = document.parent / SIDECARS / f"{hexdigest}.manifest"
        if not target.exists():
            target.parent.mkdir(exist_ok=True)
            atomic.write_file(target, data)
            written.append(target)
    return written


def beside(document: Path) -> Fetcher:
    """Return the fetcher of the manifests in the sidecar folder beside ``document``."""

    def fetch(hexdigest: str) -> bytes | None:
        try:
            return bounded.read_bytes(
                document.parent / SIDECARS / f"{hexdigest}.manifest", MAX_SIDECAR
            )
        except OSError:
            return None

    return fetch


def _attached(comp: Component, ref: str | None, fetch: Fetcher) -> Component:
    if ref is None or comp.prop(Prop.DATASET_MANIFEST) is not None:
        return comp
    raw = fetch(ref.removeprefix(manifest.PREFIX))
    if raw is None or not manifest.verify(raw, ref):
        return comp  # missing, or not the manifest the document names
    text = manifest.text_of(raw)
    return comp._replace(properties=(*comp.properties, (Prop.DATASET_MANIFEST, text)))


def with_manifests(snapshot: Snapshot, fetch: Fetcher | None) -> Snapshot:
    """Attach each referenced manifest ``fetch(BLAKE3 hex)`` returns whose BLAKE3 matches."""
    if fetch is None:
        return snapshot
    refs = {c.ref: c.prop(Prop.DATASET_MANIFEST_REF) for c in snapshot.components}
    wanted = {ref: value for ref, value in refs.items() if value and manifest.is_reference(value)}
    if not wanted:
        return snapshot
    components = [_attached(c, wanted.get(c.ref), fetch) for c in snapshot.components]
    return snapshot._replace(components=tuple(components))
