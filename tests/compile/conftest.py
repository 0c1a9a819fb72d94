"""The backends compile has in this install, and a fixture that runs a test on each of them: a
test of numbers or semantics holds for every backend; only the code it shows differs."""

import pytest

from microprop import tape

# "numpy" is left out: it runs a whole batch at once (tests/compile/test_batched.py has its own).
BACKENDS = ["python"] + (["tape"] if tape.available() else [])


@pytest.fixture(params=BACKENDS, scope="module")  # not per function: Hypothesis's tests take it
def backend(request):
    """A backend compile runs traces with, asked for by name."""
    return request.param
