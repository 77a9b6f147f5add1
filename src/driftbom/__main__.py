"""Allow ``python -m driftbom``."""

from __future__ import annotations

import sys

from driftbom.cli import main

sys.exit(main())
