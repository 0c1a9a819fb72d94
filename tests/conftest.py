"""Shared test set-up: seeded randomness, Hypothesis without deadlines, the ``slow`` marker, and
the import path for tests kept in folders by subject."""

import os
import random
import sys
from pathlib import Path

import pytest
from hypothesis import Phase, settings

# The tests sit in one folder per subject (engine/, nn/, seeing/, ...) beside the helpers they
# share here (ops.py, programs.py, bad_input.py, examples.py, readability.py, golden/). This folder
# goes on the path for the helpers, and each subject folder for test_bad_input.py, which reads the
# bad-input table of every module; test file names are unique across the folders.
HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
for _folder in sorted(HERE.iterdir()):
    if _folder.is_dir() and any(_folder.glob("test_*.py")) and str(_folder) not in sys.path:
        sys.path.append(str(_folder))

# Timing is not behaviour: a slow CI machine must not fail a property test.
settings.register_profile("microprop", deadline=None, max_examples=100)
# Under mutation testing a failing example is a verdict, not a report: it is not shrunk (which
# can take longer than the timeout, making a killed mutant count as a hang).
settings.register_profile("mutation", parent=settings.get_profile("microprop"),
                          phases=[Phase.explicit, Phase.reuse, Phase.generate])
settings.load_profile("mutation" if "MUTANT_UNDER_TEST" in os.environ else "microprop")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "slow: takes seconds or starts a Python process; left out of mutation testing "
        "(-m 'not slow') and not traced by coverage",
    )


def pytest_collection_modifyitems(items):
    # A slow test is slow because it is big (a million-node chain, every byte of a file), not
    # because it reaches lines no other test does; under coverage's tracer it would take three
    # times as long, so pytest-cov's no_cover marker pauses the tracer for it.
    for item in items:
        if item.get_closest_marker("slow"):
            item.add_marker("no_cover")


@pytest.fixture(autouse=True)
def _seed_random():
    random.seed(0)


@pytest.fixture
def fake_tqdm(monkeypatch):
    """tqdm.tqdm replaced by a bar that only records (the real one refreshes on a timer and
    clears itself, so it cannot be read); returns the list of bars made."""
    bars = []

    class FakeBar:
        def __init__(self, **kwargs):
            self.kwargs, self.n, self.postfix, self.closed = kwargs, 0, "", False
            bars.append(self)

        def set_postfix_str(self, text, refresh=True):
            self.postfix = text

        def update(self, n):
            self.n += n

        def close(self):
            self.closed = True

    monkeypatch.setitem(sys.modules, "tqdm", type(sys)("tqdm"))
    sys.modules["tqdm"].tqdm = FakeBar
    return bars
