"""The ``nvidia/cuda`` tag for a recorded system toolkit, by the image's tag grammar.

``nvidia/cuda:<X.Y.Z>-<cudnn>-runtime-ubuntu<YY.MM>``: ``X.Y.Z`` is a toolkit release
update (``12.4.1``; never nvcc's build number, ``13.0.88``), ``<cudnn>`` is ``cudnn8`` up
to CUDA 12.2, ``cudnn9`` for 12.3 and ``cudnn`` from 12.4, and each release is published for
a few Ubuntu versions only.
"""

from __future__ import annotations

from typing import NamedTuple

# Ubuntu releases each CUDA line is published for, the default first.
_UBUNTU = {11: ("22.04", "20.04"), 12: ("22.04", "20.04", "24.04"), 13: ("24.04", "22.04")}


class CudaBase(NamedTuple):
    """The base image and what it does not reproduce."""

    image: str
    notes: tuple[str, ...]


def _cudnn(major: int, minor: int) -> str:
    if major < 12 or (major == 12 and minor <= 2):
        return "cudnn8"
    return "cudnn9" if (major, minor) == (12, 3) else "cudnn"


def _ubuntu_versions(major: int, minor: int) -> tuple[str, ...]:
    known = _UBUNTU.get(major, _UBUNTU[max(_UBUNTU)])
    if major == 12 and minor < 5:
        return tuple(v for v in known if v != "24.04")  # 24.04 images start with 12.5
    return known


def cuda_base(release: str, update: str | None, ubuntu: str | None) -> CudaBase:
    """Return the image for toolkit ``release`` (``X.Y``).

    ``update`` is the toolkit's ``X.Y.Z`` when it was recorded (``version.json``), else the
    first update ``X.Y.0`` is used and said; ``ubuntu`` is the recorded Ubuntu version, used
    when that CUDA line is published for it.
    """
    major, minor = (int(part) for part in release.split(".")[:2])
    notes = []
    if update is None or update.count(".") != 2 or not update.startswith(f"{release}."):
        update = f"{release}.0"
        notes.append(
            f"cuda-toolkit: only the release {release} was recorded; the base is its first "
            f"update {update} (another base image can be chosen)"
        )
    versions = _ubuntu_versions(major, minor)
    chosen = ubuntu if ubuntu in versions else versions[0]
    if ubuntu != chosen:
        was = f"Ubuntu {ubuntu}" if ubuntu else "a distribution other than Ubuntu"
        notes.append(f"os: {was} is not reproduced; nvidia/cuda {update} is on Ubuntu {chosen}")
    image = f"nvidia/cuda:{update}-{_cudnn(major, minor)}-runtime-ubuntu{chosen}"
    return CudaBase(image, tuple(notes))
