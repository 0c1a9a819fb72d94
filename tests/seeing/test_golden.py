"""The golden DOT files: every pinned drawing is rebuilt and must match its file byte for byte."""

import pathlib

import pytest
from golden.make import CASES, build

GOLDEN = pathlib.Path(__file__).resolve().parents[1] / "golden"


def test_every_case_has_its_golden_file_and_no_file_is_left_over():
    assert sorted(p.stem for p in GOLDEN.glob("*.dot")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_drawing_matches_its_golden_dot_file_byte_for_byte(name):
    pytest.importorskip("graphviz")  # some cases go through draw_dot(...).source
    pinned = (GOLDEN / f"{name}.dot").read_bytes()
    assert build(name).encode("utf-8") == pinned
