"""Warnings and debug messages, passed to :mod:`logging` only when one is due.

Importing :mod:`logging` costs ~4 ms at every start (typer does not load it), and a
snapshot with nothing to report never needs it. Modules take a :class:`Logger` from
:func:`get_logger` and use it as a ``logging.Logger``; the message goes to the
``logging`` logger of the same name. The CLI calls :func:`configure` with the level
``-v``/``-q`` asked for: messages below it are dropped without loading ``logging``, the
others are written to stderr as ``drift: LEVEL: message``. Without :func:`configure`
(driftbom used as a library), ``logging``'s own configuration decides everything.
"""

from __future__ import annotations

import sys

DEBUG, INFO, WARNING, ERROR = 10, 20, 30, 40  # the levels of the logging module
ROOT = "driftbom"


class _Settings:
    level: int | None = None
    """The level the CLI asked for; None when driftbom runs as a library."""
    installed = False
    """Whether the CLI's stderr handler is on the ``driftbom`` logger."""


_settings = _Settings()


def configure(level: int) -> None:
    """Write driftbom's messages at ``level`` and above to stderr (the CLI, once per run)."""
    _settings.level = level
    _settings.installed = False
    if "logging" in sys.modules:
        _install()


def _install() -> None:
    import logging  # noqa: PLC0415 - the point of this module

    from driftbom.redact import scrub  # noqa: PLC0415
    from driftbom.safetext import visible  # noqa: PLC0415

    class _Scrubbed(logging.Formatter):
        """One line per message, credentials removed: logs are an output like any other."""

        def format(self, record: logging.LogRecord) -> str:
            return visible(scrub(super().format(record)))

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Scrubbed("drift: %(levelname)s: %(message)s"))
    logger = logging.getLogger(ROOT)
    logger.handlers[:] = [handler]
    logger.setLevel(_settings.level or WARNING)
    logger.propagate = False
    _settings.installed = True


class Logger:
    """The subset of ``logging.Logger`` driftbom uses, loading ``logging`` on first need."""

    def __init__(self, name: str) -> None:
        """Stand for the ``logging`` logger called ``name``."""
        self.name = name

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802 - the logging.Logger name
        """Return True when a message at ``level`` would be written."""
        if _settings.level is not None:
            return level >= _settings.level
        import logging  # noqa: PLC0415

        return logging.getLogger(self.name).isEnabledFor(level)

    def log(self, level: int, msg: str, *args: object) -> None:
        """Pass ``msg % args`` at ``level`` to ``logging``, unless the CLI's level drops it."""
        if _settings.level is not None and level < _settings.level:
            return
        import logging  # noqa: PLC0415

        if _settings.level is not None and not _settings.installed:
            _install()
        logging.getLogger(self.name).log(level, msg, *args)

    def debug(self, msg: str, *args: object) -> None:
        """Log at DEBUG."""
        self.log(DEBUG, msg, *args)

    def info(self, msg: str, *args: object) -> None:
        """Log at INFO."""
        self.log(INFO, msg, *args)

    def warning(self, msg: str, *args: object) -> None:
        """Log at WARNING."""
        self.log(WARNING, msg, *args)


def get_logger(name: str) -> Logger:
    """Return the :class:`Logger` for ``name`` (a ``driftbom.*`` module name)."""
    return Logger(name)
