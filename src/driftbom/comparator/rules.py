"""The rules a change is classified under: exactly the keys of default.toml's [severity].

A ``str`` Enum, so a rule is its own policy key; a test keeps both lists equal.
"""

from __future__ import annotations

from enum import Enum


class Rule(str, Enum):
    """One kind of change; the policy maps each to a severity."""

    PYTHON_MAJOR = "python-major"
    PYTHON_MINOR = "python-minor"
    PYTHON_PATCH = "python-patch"
    PYTHON_IMPLEMENTATION = "python-implementation"
    PYTHON_BUILD = "python-build"
    PACKAGE_MAJOR = "package-major"
    PACKAGE_MINOR = "package-minor"
    PACKAGE_PATCH = "package-patch"
    PACKAGE_PRERELEASE = "package-prerelease"
    PACKAGE_LOCAL_LABEL = "package-local-label"
    PACKAGE_UNPARSABLE = "package-unparsable"
    PACKAGE_ADDED = "package-added"
    PACKAGE_REMOVED = "package-removed"
    PACKAGE_SOURCE = "package-source"
    PACKAGE_HASH = "package-hash"
    PACKAGE_FILES = "package-files"
    PACKAGE_INSTALLER = "package-installer"
    LOCKFILE_CHANGED = "lockfile-changed"
    LOCKFILE_ADDED = "lockfile-added"
    LOCKFILE_REMOVED = "lockfile-removed"
    OS_RELEASE = "os-release"
    OS_KERNEL = "os-kernel"
    GLIBC = "glibc"
    OS_PACKAGE_CHANGED = "os-package-changed"
    OS_PACKAGE_ADDED = "os-package-added"
    OS_PACKAGE_REMOVED = "os-package-removed"
    CPU_ARCH = "cpu-arch"
    CPU_MODEL = "cpu-model"
    CPU_CORES = "cpu-cores"
    CPU_FLAG_LOST = "cpu-flag-lost"
    CPU_FLAGS = "cpu-flags"
    MEMORY = "memory"
    GPU_MODEL = "gpu-model"
    GPU_COUNT = "gpu-count"
    GPU_CONFIG = "gpu-config"
    DRIVER_CHANGE = "driver-change"
    DRIVER_TOO_OLD = "driver-too-old"
    CUDA_MAJOR = "cuda-major"
    CUDA_MINOR = "cuda-minor"
    CUDA_PATCH = "cuda-patch"
    CUDA_SOURCE = "cuda-source"
    CUDNN_MAJOR = "cudnn-major"
    CUDNN_MINOR = "cudnn-minor"
    NCCL = "nccl"
    ENV = "env"
    NOT_RECORDED = "not-recorded"
