from __future__ import annotations

import pytest

from driftbom.hashes import ALGORITHMS, BY_CYCLONEDX_NAME, PIP_CAN_CHECK, cdx_hash


@pytest.mark.parametrize("algorithm", ALGORITHMS, ids=lambda a: a.pip)
def test_every_algorithm_maps_both_ways_and_checks_its_length(algorithm):
    digest = "Ab" * (algorithm.hex_length // 2)
    assert cdx_hash(algorithm.pip, digest) == (algorithm.cyclonedx, digest.lower())
    assert cdx_hash(algorithm.pip.upper(), digest) == (algorithm.cyclonedx, digest.lower())
    assert BY_CYCLONEDX_NAME[algorithm.cyclonedx] is algorithm
    assert cdx_hash(algorithm.pip, digest + "0") is None  # one digit too many
    assert cdx_hash(algorithm.pip, "z" * algorithm.hex_length) is None  # not hex


def test_unknown_algorithms_and_what_pip_can_check():
    assert cdx_hash("crc32", "deadbeef") is None
    assert {a.pip for a in ALGORITHMS} >= PIP_CAN_CHECK
