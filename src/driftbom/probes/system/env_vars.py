"""Environment variables that matter for reproducibility, from an allow-list only.

A variable is recorded only when its exact name is listed, or it carries a prefix that a
framework documents as its own; a secret-looking name is recorded as ``***`` even then,
and URLs in a value are scrubbed (:func:`driftbom.redact.scrub_env`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from driftbom.model import Collected, Layer, Skipped
from driftbom.probes.interface import Probe
from driftbom.properties import Prop
from driftbom.redact import scrub_env

if TYPE_CHECKING:
    from driftbom.probes.interface import ProbeContext

# Exact names that change what a run computes or how it is scheduled.
EXACT = frozenset(
    {
        "PYTHONHASHSEED",
        "PYTHONOPTIMIZE",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONUTF8",
        "CUDA_VISIBLE_DEVICES",
        "CUDA_DEVICE_ORDER",
        "CUDA_LAUNCH_BLOCKING",
        "CUDA_MODULE_LOADING",
        "CUBLAS_WORKSPACE_CONFIG",
        "CUBLASLT_WORKSPACE_SIZE",
        "HF_HUB_OFFLINE",
        "HF_DATASETS_OFFLINE",
        "TRANSFORMERS_OFFLINE",
        "TOKENIZERS_PARALLELISM",
        "KMP_AFFINITY",
        "KMP_BLOCKTIME",
        "XLA_FLAGS",
        # TensorFlow's own TF_ variables (TF_VAR_* and TF_HTTP_* are Terraform's, not these)
        "TF_CPP_MIN_LOG_LEVEL",
        "TF_CPP_MAX_VLOG_LEVEL",
        "TF_DETERMINISTIC_OPS",
        "TF_CUDNN_DETERMINISTIC",
        "TF_ENABLE_ONEDNN_OPTS",
        "TF_FORCE_GPU_ALLOW_GROWTH",
        "TF_GPU_ALLOCATOR",
        "TF_GPU_THREAD_MODE",
        "TF_GPU_THREAD_COUNT",
        "TF_XLA_FLAGS",
        "TF_NUM_INTEROP_THREADS",
        "TF_NUM_INTRAOP_THREADS",
        "TF_USE_LEGACY_KERAS",
        "TF_ENABLE_AUTO_MIXED_PRECISION",
        # where packages come from: recorded (credentials scrubbed), never set by a rebuild
        "PIP_INDEX_URL",
        "PIP_EXTRA_INDEX_URL",
        "UV_INDEX_URL",
        "UV_EXTRA_INDEX_URL",
        "UV_DEFAULT_INDEX",
        "UV_INDEX",
        "LD_PRELOAD",
    }
)
# Prefixes that a framework documents as its own configuration namespace.
PREFIXES = (
    "OMP_",  # OpenMP specification
    "MKL_",  # oneMKL
    "OPENBLAS_",  # OpenBLAS
    "NCCL_",  # NCCL environment variables
    "CUDNN_",  # cuDNN logging and heuristics
    "TORCH_",  # PyTorch
    "PYTORCH_",  # PyTorch
    "JAX_",  # JAX configuration flags
    "XLA_PYTHON_CLIENT_",  # JAX's XLA client memory settings
)


def allowed(name: str) -> bool:
    """Return True when ``name`` is recorded: an exact name or a documented prefix.

    Matched exactly and case-sensitively (``pip_index_url`` is not ``PIP_INDEX_URL``).
    """
    return name in EXACT or name.startswith(PREFIXES)


class EnvVarsProbe(Probe):
    """Records allow-listed variables as ``drift:env:NAME`` metadata properties."""

    name = "env"
    layer = Layer.ENV

    def collect(self, ctx: ProbeContext) -> Collected | Skipped:
        """Return the allow-listed variables with secrets redacted."""
        props = (
            (Prop.ENV_PREFIX + name, scrub_env(name, value))
            for name, value in ctx.environ.items()
            if allowed(name)
        )
        return Collected(properties=tuple(sorted(props)))
