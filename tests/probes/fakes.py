"""Fakes that stand in for NVML, driven by recorded answers."""

from __future__ import annotations

import json
import threading

from driftbom.probes.system.nvml import Nvml, NvmlAnswer, NvmlUnavailableError
from tests.conftest import FIXTURES


class FakeNvml(Nvml):
    """Answers with a fixture from fixtures/nvml/."""

    def __init__(self, fixture: str) -> None:
        self.answer = NvmlAnswer.from_json(
            json.loads((FIXTURES / "nvml" / f"{fixture}.json").read_text())
        )
        self.calls = 0

    def query(self) -> NvmlAnswer:
        self.calls += 1
        return self.answer


class MissingNvml(Nvml):
    """libnvidia-ml.so.1 is not there: what pynvml raises, translated."""

    def query(self) -> NvmlAnswer:
        raise NvmlUnavailableError("NVML: NVML Shared Library Not Found")


class RaisingNvml(Nvml):
    """The binding raises something unexpected mid-query."""

    def query(self) -> NvmlAnswer:
        raise RuntimeError("GPU is lost")


class HangingNvml(Nvml):
    """nvmlInit blocks, as it can on a broken driver."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def query(self) -> NvmlAnswer:
        self.release.wait(30)
        raise NvmlUnavailableError("released")
