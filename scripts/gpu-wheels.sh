#!/usr/bin/env bash
# Run here (with network): put driftbom and every wheel it depends on into .whl/, for
# scripts/gpu-check.sh to install there (that machine reaches no index). The GPU machine's
# Python is not known in advance, so binary wheels are fetched for CPython 3.10 to 3.13.
set -euo pipefail
cd "$(dirname "$0")/.."
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
rm -rf .whl && mkdir -p .whl
python3 -m pip wheel --quiet --no-deps -w .whl .
for version in 3.10 3.11 3.12 3.13; do
  python3 -m pip download --quiet -d .whl --only-binary=:all: --python-version "$version" \
    --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 .whl/driftbom-*.whl
done
ls -1 .whl | wc -l
