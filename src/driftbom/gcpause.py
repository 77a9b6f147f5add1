"""The one place that turns the cyclic garbage collector off and on.

Reading a large document allocates hundreds of thousands of dicts and tuples, none of
them in cycles: the collector's passes would only cost time, and once such a document is
alive every later pass scans it again (docs/benchmarks.md). The library pauses the
collector around that work; the ``drift`` process runs paused from start to end, except
where a command runs long (a build streaming its log for minutes), which collects.
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
    with _collector(on=False):
        yield


@contextmanager
def collecting() -> Iterator[None]:
    """Enable the cyclic collector inside the block (restored after, even on error)."""
    with _collector(on=True):
        yield


@contextmanager
def _collector(*, on: bool) -> Iterator[None]:
    enabled = gc.isenabled()
    (gc.enable if on else gc.disable)()
    try:
        yield
    finally:
        (gc.enable if enabled else gc.disable)()
