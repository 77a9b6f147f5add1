"""Every ``drift:*`` property name driftbom writes, in one place.

``docs/sbom-format.md`` documents each one; a test keeps the two in step.
"""

from __future__ import annotations


class Prop:
    """Names of CycloneDX ``properties`` entries written by driftbom.

    Plain string constants, not an ``Enum``: every use wants the string.
    """

    # metadata
    NOTE = "drift:note"
    SKIPPED = "drift:skipped"  # value "<layer>: <reason>"
    LAYERS = "drift:layers"  # space-separated recorded layers
    ENV_PREFIX = "drift:env:"  # drift:env:<NAME>, one per allow-listed variable
    METRIC_PREFIX = "drift:metric:"  # drift:metric:<name>, a run's metric (a number as text)
    PYTHON_PATH_ARG = "drift:snapshot:python"  # the interpreter that was asked
    RUN_EXIT_CODE = "drift:run:exit-code"  # on formulation's workflow
    RUN_STATUS = "drift:run:status"  # succeeded, failed or interrupted
    RUN_INTERRUPTED = "drift:run:interrupted"  # the signal drift was sent
    RUN_CWD = "drift:run:cwd"
    RUN_SECONDS = "drift:run:seconds"
    RUN_CPU_SECONDS = "drift:run:cpu-seconds"
    RUN_CPU_SOURCE = "drift:run:cpu-seconds:source"  # how each resource was measured
    RUN_PEAK_RSS = "drift:run:peak-rss-bytes"
    RUN_PEAK_RSS_SOURCE = "drift:run:peak-rss-bytes:source"
    RUN_GPU_HOURS = "drift:run:gpu-hours"
    RUN_GPU_HOURS_SOURCE = "drift:run:gpu-hours:source"
    RUN_ENERGY_KWH = "drift:run:energy-kwh"  # GPUs and RAPL zones together
    RUN_ENERGY_SOURCE = "drift:run:energy-kwh:source"  # nvml, rapl or nvml+rapl
    RUN_ENERGY_GPU_PREFIX = "drift:run:energy-joules:gpu:"  # <index>: joules of one GPU
    RUN_ENERGY_RAPL_PREFIX = "drift:run:energy-joules:rapl:"  # <zone>: joules of one zone
    PARENT_SERIAL = "drift:parent:serial"  # --parent: the parent document's serialNumber
    PARENT_DIGEST = "drift:parent:digest"  # sha256: of its bytes
    PARENT_NAME = "drift:parent:name"
    PARENT_REFERENCE = "drift:parent:reference"  # the store reference --parent named
    REPRODUCE_VERDICT = "drift:reproduce:verdict"  # a rerun's verdict against its parent
    REPRODUCE_OF = "drift:reproduce:of"  # sha256: of the record it reproduced
    REPRODUCE_REASON = "drift:reproduce:reason"  # one per reason for the verdict
    # python interpreter
    PY_IMPLEMENTATION = "drift:python:implementation"
    PY_EXECUTABLE = "drift:python:executable"
    PY_PREFIX = "drift:python:prefix"
    PY_VENV = "drift:python:venv"
    PY_ABI = "drift:python:abi"
    PY_PLATFORM = "drift:python:platform"
    PY_TAG = "drift:python:tag"
    PY_BITS = "drift:python:bits"
    PY_GIL_DISABLED = "drift:python:gil-disabled"
    PY_INDEX_URL = "drift:python:index-url"  # one per index pip or uv is configured with
    # python distributions
    PYPI_INSTALLER = "drift:pypi:installer"
    PYPI_REQUESTED = "drift:pypi:requested"
    PYPI_SOURCE = "drift:pypi:source"
    PYPI_SOURCE_URL = "drift:pypi:source-url"
    PYPI_VCS = "drift:pypi:vcs"
    PYPI_COMMIT = "drift:pypi:commit"
    PYPI_RECORD_DIGEST = "drift:pypi:record-digest"
    PYPI_VERSION_INVALID = "drift:pypi:version-not-pep440"
    PYPI_LOCATION = "drift:pypi:location"
    PYPI_LOCK = "drift:pypi:lock"
    PYPI_WHEEL_TAG = "drift:pypi:wheel-tag"  # one per Tag: line of WHEEL
    PYPI_BROKEN = "drift:pypi:broken-requirement"  # one per unmet requirement, as pip check
    # lockfile
    LOCK_FORMAT = "drift:lock:format"
    LOCK_ENTRIES = "drift:lock:entries"
    LOCK_MISMATCH = "drift:lock:mismatch"
    LOCK_INDEX_URL = "drift:lock:index-url"
    # operating system
    OS_PRETTY_NAME = "drift:os:pretty-name"
    OS_CODENAME = "drift:os:codename"
    OS_ID_LIKE = "drift:os:id-like"
    OS_KERNEL = "drift:os:kernel"
    OS_LIBC = "drift:os:libc"
    OS_LIBC_VERSION = "drift:os:libc-version"
    OS_ARCH = "drift:os:arch"
    # os packages
    OSPKG_ARCH = "drift:ospkg:arch"
    OSPKG_SOURCE = "drift:ospkg:source"
    # cpu and memory
    CPU_VENDOR = "drift:cpu:vendor"
    CPU_ARCH = "drift:cpu:arch"
    CPU_LOGICAL = "drift:cpu:logical-cores"
    CPU_PHYSICAL = "drift:cpu:physical-cores"
    CPU_SOCKETS = "drift:cpu:sockets"
    CPU_FLAGS = "drift:cpu:flags"
    MEMORY_TOTAL = "drift:memory:total-bytes"
    # nvidia driver and gpus
    GPU_DRIVER_CUDA = "drift:gpu:driver-cuda"
    GPU_DRIVER_SOURCE = "drift:gpu:driver-source"
    GPU_MEMORY = "drift:gpu:memory-bytes"
    GPU_CAPABILITY = "drift:gpu:compute-capability"
    GPU_MIG = "drift:gpu:mig"
    GPU_PERSISTENCE = "drift:gpu:persistence"
    GPU_ID = "drift:gpu:id"
    # cuda runtime, cudnn, nccl
    CUDA_SOURCE = "drift:cuda:source"
    CUDA_PACKAGE = "drift:cuda:package"
    CUDA_TORCH = "drift:cuda:torch"
    CUDA_TOOLKIT_EXACT = "drift:cuda:toolkit-exact"  # on cuda-toolkit: 12.2.2, nvcc's 13.0.88
    CUDA_TOOLKIT_SOURCE = "drift:cuda:toolkit-source"
    CUDA_JAX = "drift:cuda:jax-plugin"
    # a run
    PARAMS_PREFIX = "drift:params:"  # drift:params:<dotted key>, its JSON value
    PARAMS_SEEDS = "drift:seeds"  # on params: the seed-like keys, space-separated
    PARAMS_TREE = "drift:params"  # on params: the whole tree, nested, as JSON (not compared)
    DATASET_FILES = "drift:dataset:files"
    DATASET_BYTES = "drift:dataset:bytes"
    DATASET_PATH = "drift:dataset:path"
    DATASET_MANIFEST = "drift:dataset:manifest"  # "<blake3> <size> <path>" per line
    DATASET_MANIFEST_REF = "drift:dataset:manifest-ref"  # blake3:<hex> of a sidecar manifest
    DATASET_LFS_POINTERS = "drift:dataset:lfs-pointers"
    DATASET_HF_REPO = "drift:dataset:hf-repo"
    DATASET_HF_REVISION = "drift:dataset:hf-revision"
    DATASET_DVC_MD5 = "drift:dataset:dvc-md5"
    DATASET_ROLE = "drift:dataset:role"  # train, validation, test or free text
    DATASET_ORIGIN = "drift:dataset:origin"  # a URL or a description, scrubbed
    DATASET_SENSITIVITY = "drift:dataset:sensitivity"  # none, personal, special-category...
    DATASET_COLLECTION = "drift:dataset:collection"  # free text: how it was collected
    DATASET_LABELLING = "drift:dataset:labelling"  # free text: how it was labelled
    DATASET_CLEANING = "drift:dataset:cleaning"  # free text: how it was cleaned
    DATASET_RECORDS = "drift:dataset:records"  # data points (rows, examples)
    DATASET_DATASHEET = "drift:dataset:datasheet"  # blake3:<hex> of the datasheet.yaml read
    MODEL_FORMAT = "drift:model:format"  # safetensors, gguf, onnx, pytorch-zip, pytorch-pickle
    MODEL_FILES = "drift:model:files"
    MODEL_BYTES = "drift:model:bytes"
    MODEL_PATH = "drift:model:path"
    MODEL_MANIFEST = "drift:model:manifest"  # as drift:dataset:manifest
    MODEL_TENSORS = "drift:model:tensors"
    MODEL_DTYPES = "drift:model:dtypes"
    MODEL_TORCH_DTYPE = "drift:model:torch-dtype"  # config.json's torch_dtype
    MODEL_PARAMETERS = "drift:model:parameters"
    MODEL_META_PREFIX = "drift:model:meta:"  # safetensors __metadata__, one per key
    MODEL_ARCHITECTURE = "drift:model:architecture"
    MODEL_QUANTISATION = "drift:model:quantisation"
    MODEL_CONTEXT = "drift:model:context-length"
    MODEL_LICENSE = "drift:model:license"
    MODEL_OUT_OF_SCOPE = "drift:model:out-of-scope"  # one per out-of-scope use
    MODEL_LOAD_SAFETY = "drift:model:load-safety"  # safe, unsafe, review, unknown; by format
    MODEL_PICKLE_IMPORTS = "drift:model:pickle-imports"  # denied (unsafe) or unlisted (review)
    GIT_BRANCH = "drift:git:branch"
    GIT_DIRTY = "drift:git:dirty"
    GIT_DIFF = "drift:git:diff-digest"
    GIT_REMOTE = "drift:git:remote"
    GIT_PATCH = "drift:git:patch"  # blake3: of the uncommitted patch kept beside the record
