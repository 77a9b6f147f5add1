"""Probes: one per layer of the environment (``interface.py``), in order (``registry.py``).

A third party records a layer of its own with a ``Probe`` subclass, registered through
the ``driftbom.probes`` entry-point group or ``register(probe)`` (docs/architecture.md).
"""

from __future__ import annotations

from driftbom.probes.interface import Probe, ProbeContext, Request

__all__ = ["Probe", "ProbeContext", "Request", "register"]


def register(probe: Probe) -> Probe:
    """Add ``probe`` to every snapshot from now on; see ``driftbom.probes.registry.register``."""
    # the registry imports every probe module, and they import this package first
    from driftbom.probes.registry import register as registered  # noqa: PLC0415

    return registered(probe)
