from __future__ import annotations

from driftbom.model import Collected
from driftbom.probes.interface import ProbeContext
from driftbom.probes.system.env_vars import EnvVarsProbe, allowed


def test_allow_list_exact_and_prefix():
    assert allowed("PYTHONHASHSEED")
    assert allowed("NCCL_DEBUG")
    assert allowed("TORCH_CUDA_ARCH_LIST")
    assert not allowed("HOME")
    assert not allowed("AWS_SECRET_ACCESS_KEY")
    assert not allowed("XNCCL_DEBUG")


def test_only_allow_listed_variables_are_recorded_and_secrets_redacted():
    environ = {
        "HOME": "/root",
        "OMP_NUM_THREADS": "4",
        "TORCH_HUB_TOKEN": "canary-token-1",
        "PIP_EXTRA_INDEX_URL": "https://bob:canary-pass-2@repo.example/simple",
        "GITHUB_TOKEN": "canary-token-3",
    }
    result = EnvVarsProbe().collect(ProbeContext(environ=environ))
    assert isinstance(result, Collected)
    assert dict(result.properties) == {
        "drift:env:OMP_NUM_THREADS": "4",
        "drift:env:PIP_EXTRA_INDEX_URL": "https://repo.example/simple",
        "drift:env:TORCH_HUB_TOKEN": "***",
    }
