"""Shared test set-up: seeded randomness and a Hypothesis profile without deadlines."""

import random

import pytest
from hypothesis import settings

# Timing is not behaviour: a slow CI machine must not fail a property test.
settings.register_profile("microprop", deadline=None, max_examples=100)
settings.load_profile("microprop")


@pytest.fixture(autouse=True)
def _seed_random():
    random.seed(0)
