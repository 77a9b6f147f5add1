from __future__ import annotations

import pytest

from driftbom.comparator.classify import Bump, Direction, classify


@pytest.mark.parametrize(
    ("reference", "current", "direction", "bump"),
    [
        ("1.26.4", "2.1.0", Direction.UP, Bump.MAJOR),
        ("2.1.0", "1.26.4", Direction.DOWN, Bump.MAJOR),
        ("2.31.0", "2.32.3", Direction.UP, Bump.MINOR),
        ("2.32.3", "2.32.4", Direction.UP, Bump.PATCH),
        ("1.2.3", "1.2.3.1", Direction.UP, Bump.PATCH),
        ("1.0", "1.0.0", Direction.SAME, Bump.NONE),
        ("2.0.0rc1", "2.0.0", Direction.UP, Bump.PRE),
        ("2.0.0", "2.0.0.post1", Direction.UP, Bump.POST),
        ("2.0.0.dev1", "2.0.0.dev2", Direction.UP, Bump.DEV),
        ("2.3.1+cu121", "2.3.1+cu118", Direction.UNORDERED, Bump.LOCAL),
        ("2.3.1", "2.3.1+cpu", Direction.UNORDERED, Bump.LOCAL),
        ("1!1.0", "2.0", Direction.DOWN, Bump.EPOCH),
        ("2023-rc-final", "2024-final", Direction.UNORDERED, Bump.STRING),
        ("1.0", "not a version", Direction.UNORDERED, Bump.STRING),
        ("same", "same", Direction.SAME, Bump.NONE),
    ],
)
def test_classification_table(reference, current, direction, bump):
    result = classify(reference, current)
    assert (result.direction, result.bump) == (direction, bump)
