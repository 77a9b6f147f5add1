#!/usr/bin/env bash
# Run here (with network): put driftbom and the wheels the GPU machine lacks into .whl/,
# for scripts/gpu-check.sh to install there (that machine reaches no index).
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
rm -rf .whl && mkdir -p .whl
python3 -m pip wheel --quiet --no-deps -w .whl .
platform_args=(--only-binary=:all: --python-version 3.12 --implementation cp
  --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64)
python3 -m pip download --quiet --no-deps -d .whl "${platform_args[@]}" \
  "typer==0.28.0" "jsonschema-rs" "orjson" "deepdiff" "orderly-set" "nvidia-ml-py" \
  "cyclonedx-python-lib" "license-expression" "boolean.py" "packageurl-python" "py-serializable" \
  "defusedxml" "sortedcontainers" "annotated-doc" "shellingham" "packaging>=26"
ls -1 .whl
