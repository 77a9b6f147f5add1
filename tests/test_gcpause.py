from __future__ import annotations

import gc

import pytest

from driftbom.gcpause import collecting, paused
from tests.conftest import FIXTURES


@pytest.mark.parametrize("start", [True, False])
def test_each_block_sets_the_collector_and_restores_it_even_on_error(start):
    (gc.enable if start else gc.disable)()
    try:
        with paused():
            assert not gc.isenabled()
            with collecting():
                assert gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled() is start
        with pytest.raises(RuntimeError), collecting():
            raise RuntimeError
        assert gc.isenabled() is start
    finally:
        gc.enable()


def test_drift_runs_paused_and_a_build_collects(monkeypatch):
    from driftbom.rebuilder import run as runs

    seen = []
    monkeypatch.setattr(runs, "_planned", lambda *_: seen.append(gc.isenabled()) or 1 / 0)
    from driftbom.cli import main

    gc.disable()
    try:
        main(
            ["-q", "rebuild", str(FIXTURES / "golden" / "snapshot-debian12-requirements.cdx.json")]
        )
    finally:
        gc.enable()
    assert seen == [True]  # the rebuild pipeline ran with the collector on
