"""The package indexes pip and uv are configured to use, read as files (nothing runs).

pip: ``PIP_CONFIG_FILE`` (``os.devnull`` turns the files off), else ``/etc/xdg/pip/pip.conf``,
``/etc/pip.conf``, ``~/.pip/pip.conf``, ``~/.config/pip/pip.conf`` and the target's
``<prefix>/pip.conf``; ``index-url`` and ``extra-index-url`` of ``[global]`` and
``[install]``; then ``PIP_INDEX_URL`` and ``PIP_EXTRA_INDEX_URL``. uv: ``UV_INDEX_URL``,
``UV_DEFAULT_INDEX``, ``UV_EXTRA_INDEX_URL``, ``UV_INDEX``, and ``index-url``,
``extra-index-url`` and ``[[index]]`` ``url`` of ``uv.toml`` / ``[tool.uv]`` in the working
directory. Every URL is scrubbed of credentials before it is kept.
"""

from __future__ import annotations

import configparser
import os
from typing import TYPE_CHECKING, Any

from driftbom import bounded
from driftbom.probes.python.lockfiles._common import parse_toml
from driftbom.redact import scrub

if TYPE_CHECKING:
    from pathlib import Path

    from driftbom.probes.interface import ProbeContext

MAX_CONFIG_BYTES = 256 * 1024
MAX_URLS = 32
_PIP_KEYS = ("index-url", "extra-index-url")
_UV_ENV = ("UV_INDEX_URL", "UV_DEFAULT_INDEX", "UV_EXTRA_INDEX_URL", "UV_INDEX")


def _pip_files(ctx: ProbeContext, prefix: str) -> list[Path]:
    configured = ctx.environ.get("PIP_CONFIG_FILE")
    if configured:
        return [] if configured == os.devnull else [ctx.path(configured)]
    home = ctx.environ.get("HOME", "")
    found = [ctx.path("/etc/xdg/pip/pip.conf"), ctx.path("/etc/pip.conf")]
    if home.startswith("/"):
        found += [ctx.path(f"{home}/.pip/pip.conf"), ctx.path(f"{home}/.config/pip/pip.conf")]
    if prefix.startswith("/"):
        found.append(ctx.path(f"{prefix}/pip.conf"))
    return found


def _pip_urls(path: Path) -> list[str]:
    try:
        text = bounded.read_text(path, MAX_CONFIG_BYTES)
    except OSError:
        return []
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        return []
    return [
        url
        for section in ("global", "install")
        if parser.has_section(section)
        for key in _PIP_KEYS
        for url in parser.get(section, key, fallback="").split()
    ]


def _uv_urls(data: dict[str, Any]) -> list[str]:
    urls = [str(data.get("index-url") or "")]
    extra = data.get("extra-index-url") or []
    urls += [str(u) for u in (extra if isinstance(extra, list) else [extra])]
    indexes = data.get("index") or []
    urls += [str(i.get("url")) for i in indexes if isinstance(i, dict) and i.get("url")]
    return urls


def _uv_files(ctx: ProbeContext) -> list[str]:
    urls = []
    for name in ("uv.toml", "pyproject.toml"):
        try:
            data: Any = parse_toml(bounded.read_text(ctx.cwd / name, MAX_CONFIG_BYTES))
        except (OSError, ValueError):
            continue
        if name == "pyproject.toml":
            tool = data.get("tool")
            data = tool.get("uv") if isinstance(tool, dict) else None
        if isinstance(data, dict):
            urls += _uv_urls(data)
    return urls


def configured(ctx: ProbeContext, prefix: str) -> tuple[str, ...]:
    """Return the index URLs pip and uv are configured with (scrubbed, first seen first)."""
    urls: list[str] = []
    for path in _pip_files(ctx, prefix):
        urls += _pip_urls(path)
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", *_UV_ENV):
        urls += ctx.environ.get(name, "").replace(",", " ").split()
    urls += _uv_files(ctx)
    kept = [scrub(u.partition("=")[2] if "=" in u.split("://")[0] else u) for u in urls if u]
    return tuple(dict.fromkeys(u for u in kept if "://" in u))[:MAX_URLS]
