"""Environment variables that matter for reproducibility, from an allow-list only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom.model import Collected, Layer, Skipped
from driftbom.redact import redact_env
from driftbom.sbom.properties import Prop

if TYPE_CHECKING:
    from driftbom.probes.interface import ProbeContext

ALLOW_LIST = (
    "PYTHONHASHSEED",
    "PYTHONOPTIMIZE",
    "PYTHONDONTWRITEBYTECODE",
    "CUDA_VISIBLE_DEVICES",
    "CUDA_LAUNCH_BLOCKING",
    "CUDA_MODULE_LOADING",
    "CUBLAS_WORKSPACE_CONFIG",
    "CUDNN_*",
    "OMP_NUM_THREADS",
    "OMP_*",
    "MKL_*",
    "OPENBLAS_*",
    "TORCH_*",
    "PYTORCH_*",
    "NCCL_*",
    "TF_*",
    "XLA_*",
    "JAX_*",
    "HF_HUB_OFFLINE",
    "HF_DATASETS_OFFLINE",
    "TRANSFORMERS_OFFLINE",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "LD_PRELOAD",
)


_EXACT = frozenset(p for p in ALLOW_LIST if not p.endswith("*"))
_PREFIXES = tuple(p.removesuffix("*") for p in ALLOW_LIST if p.endswith("*"))


def allowed(name: str) -> bool:
    """Return True when ``name`` is on the allow-list (exact names or ``PREFIX_*``)."""
    return name in _EXACT or name.startswith(_PREFIXES)


class EnvVarsProbe:
    """Records allow-listed variables as ``drift:env:NAME`` metadata properties."""

    layer = Layer.ENV

    def collect(self, ctx: ProbeContext) -> Collected | Skipped:
        """Return the allow-listed variables with secrets redacted."""
        props = tuple(
            sorted(
                (Prop.ENV_PREFIX + name, redact_env(name, value))
                for name, value in ctx.environ.items()
                if allowed(name)
            )
        )
        return Collected(properties=props)
