"""Pause the cyclic garbage collector around allocation-heavy, cycle-free work.

Reading a large document allocates hundreds of thousands of dicts and tuples, none of
them in cycles: the collector's passes would only cost time (docs/benchmarks.md).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator


@contextmanager
def paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block (restored after, even on error)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
