#!/usr/bin/env bash
# Create a virtualenv with pip on a fresh Debian/Ubuntu machine that may lack python3-venv.
set -euo pipefail
python=${1:-python3}
venv=${2:-.venv}
if "$python" -m venv "$venv" 2>/dev/null && "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
  exit 0
fi
rm -rf "$venv"
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "bootstrap-venv: installing python3-venv (ensurepip is missing)" >&2
  version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "python${version}-venv" >/dev/null 2>&1 || apt-get install -y -qq python3-venv >/dev/null
  "$python" -m venv "$venv"
  exit 0
fi
echo "bootstrap-venv: '$python -m venv' failed; install python3-venv (sudo apt-get install python3-venv)" >&2
exit 1
