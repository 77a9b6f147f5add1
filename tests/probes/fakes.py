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


class FakeEnergy:
    """Answers NVML's energy counters with the reads of a fixture from fixtures/nvml/, in turn."""

    def __init__(self, fixture: str) -> None:
        from driftbom.inputs.resources import EnergyRead

        data = json.loads((FIXTURES / "nvml" / f"{fixture}.json").read_text())
        self.reads = [EnergyRead.from_json(read) for read in data["reads"]]
        self.calls = 0

    def read(self):
        read = self.reads[min(self.calls, len(self.reads) - 1)]
        self.calls += 1
        return read


class MissingEnergy:
    """No NVML on this machine."""

    def read(self):
        raise NvmlUnavailableError("NVML: NVML Shared Library Not Found")
