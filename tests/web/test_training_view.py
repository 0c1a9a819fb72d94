"""The training view's Python (web/python/training_view.py): its data sets, a Session training a
few epochs at a time, what it gives the page to draw, and the settings it refuses."""

import math

import pytest
from training_view import DATASETS, GRID, MOST_SAMPLES, Session, load

STATE_KEYS = {"epoch", "losses", "loss", "accuracy", "regions", "points", "classes", "box",
              "about", "parameters"}


@pytest.mark.parametrize("name", DATASETS)
def test_each_data_set_gives_rows_of_two_floats_and_classes_from_0(name):
    rows, labels, about = load(name)
    assert len(rows) == len(labels) > 0
    assert all(len(row) == 2 and all(type(v) is float for v in row) for row in rows)
    assert set(labels) == set(range(max(labels) + 1))
    assert isinstance(about, str) and about


def test_iris_petals_are_three_species_centred_and_scaled():
    rows, labels, _ = load("iris petals")
    assert (len(rows), sorted(set(labels))) == (150, [0, 1, 2])
    for column in zip(*rows):
        mean = sum(column) / len(column)
        sd = math.sqrt(sum((v - mean) ** 2 for v in column) / len(column))
        assert mean == pytest.approx(0.0, abs=1e-12)
        assert sd == pytest.approx(1.0)


def test_training_on_moons_lowers_the_loss():
    session = Session("moons", seed=1)
    before = session.state()["loss"]
    state = session.train(30)
    assert state["epoch"] == 30
    assert len(state["losses"]) == 30
    assert state["losses"][-1] < state["losses"][0] / 2
    assert state["loss"] < before / 2
    assert state["accuracy"] > 0.8


def test_the_same_seed_trains_the_same_network():
    a, b = Session("moons", seed=3), Session("moons", seed=3)
    assert a.train(3)["losses"] == b.train(3)["losses"]
    assert a.train(2)["losses"] == b.train(2)["losses"]
    assert Session("moons", seed=4).train(3)["losses"] != a.state()["losses"][:3]


def test_train_adds_epochs_to_those_before_and_a_state_kept_stays_as_it_was():
    """state() gave its own list of losses, so a state kept grew as training went on."""
    session = Session("xor", hidden="4")
    first = session.train(2)["losses"]
    state = session.train(3)
    assert state["epoch"] == 5
    assert state["losses"][:2] == first


@pytest.mark.parametrize("dataset, hidden, classes, parameters", [
    ("moons", "4, 4", 2, 2 * 4 + 4 + 4 * 4 + 4 + 4 + 1),
    ("iris petals", [3], 3, 2 * 3 + 3 + 3 * 3 + 3),
    ("circles", "", 2, 2 + 1),  # no hidden layer: a linear classifier
])
def test_the_state_has_what_the_page_draws(dataset, hidden, classes, parameters):
    session = Session(dataset, hidden=hidden)
    state = session.state()
    assert set(state) == STATE_KEYS
    assert (state["epoch"], state["losses"]) == (0, [])
    assert (state["classes"], state["parameters"]) == (classes, parameters)
    assert state["points"] == [[x, y, c] for (x, y), c in zip(session.rows, session.labels)]
    (x0, x1), (y0, y1) = state["box"]
    assert all(x0 < x < x1 and y0 < y < y1 for x, y, _ in state["points"])
    assert 0.0 <= state["accuracy"] <= 1.0


@pytest.mark.parametrize("dataset, classes", [("moons", 2), ("iris petals", 3)])
def test_each_region_is_a_class_and_a_confidence_from_one_over_classes_to_1(dataset, classes):
    session = Session(dataset)
    session.train(2)
    regions = session.state()["regions"]
    assert len(regions) == GRID * GRID
    assert {c for c, _ in regions} <= set(range(classes))
    assert all(1 / classes <= p <= 1 for _, p in regions)
    assert len({c for c, _ in regions}) > 1  # a trained network is not one colour everywhere


def test_a_samples_stepping_page_starts_at_step_0_and_leaves_the_network_as_it_was(fake_svg):
    session = Session("moons")
    session.train(1)
    before = [p.data for p in session.model.parameters()]
    page = session.sample(7)
    assert page.startswith("<!DOCTYPE html>")
    assert "step 0 of" in page
    assert fake_svg.sources  # drawn by the page's renderer
    assert [p.data for p in session.model.parameters()] == before


def test_a_loss_too_large_to_compute_is_refused_and_the_network_put_back():
    """fit's NonFiniteLossError (an ArithmeticError) went past the page's refusals, so the
    page showed a Python traceback; now the epochs are refused and undone."""
    session = Session(noise=1e5, activation="relu", hidden="8", lr=10)
    before = [p.data for p in session.model.parameters()]
    with pytest.raises(ValueError) as caught:
        session.train(5)
    assert str(caught.value).startswith(
        "training stopped: the loss became too large to compute within 5 epochs, so the "
        "network is put back as it was after epoch 0; try a smaller learning rate")
    assert [p.data for p in session.model.parameters()] == before
    assert (session.epoch, session.losses) == (0, [])


NAN = float("nan")
# (settings, the error, the start of its message): each setting refused in one line.
BAD_SETTINGS = [
    (dict(hidden="9, 9"), ValueError, "hidden layers [9, 9]: at most 4 layers of at most 8"),
    (dict(hidden="1,2,3,4,5"), ValueError, "hidden layers [1, 2, 3, 4, 5]: at most 4 layers"),
    (dict(hidden="a"), ValueError, "hidden layers 'a': expected sizes such as '4, 4'"),
    (dict(hidden="4, -1"), ValueError, "hidden layers '4, -1': expected sizes such as"),
    (dict(hidden="²"), ValueError, "hidden layers '²': expected sizes such as"),
    (dict(hidden=[0]), ValueError, "hidden layers [0]: each size must be a whole number from 1"),
    (dict(hidden=[True]), ValueError, "hidden layers [True]: each size must be a whole number"),
    (dict(hidden=[2.5]), ValueError, "hidden layers [2.5]: each size must be a whole number"),
    (dict(hidden=4), ValueError, "hidden layers 4: expected sizes such as '4, 4'"),
    (dict(hidden=None), ValueError, "hidden layers None: expected sizes such as"),
    (dict(activation="linear"), ValueError,
     "activation 'linear' is not one of relu, tanh, sigmoid"),
    (dict(activation="foo"), ValueError, "activation 'foo' is not one of relu, tanh, sigmoid"),
    (dict(lr=0), ValueError, "learning rate: 0 is not a number from 1e-06 to 10"),
    (dict(lr=11), ValueError, "learning rate: 11 is not a number from 1e-06 to 10"),
    (dict(lr=True), ValueError, "learning rate: True is not a number from 1e-06 to 10"),
    (dict(lr=NAN), ValueError, "learning rate: nan is not a number from 1e-06 to 10"),
    (dict(lr=math.inf), ValueError, "learning rate: inf is not a number from 1e-06 to 10"),
    (dict(lr="0.1"), ValueError, "learning rate: '0.1' is not a number from 1e-06 to 10"),
    (dict(lr=None), ValueError, "learning rate: None is not a number from 1e-06 to 10"),
    (dict(batch_size=0), ValueError, "batch size 0 is not a whole number from 1 to 200"),
    (dict(batch_size=1000), ValueError, "batch size 1000 is not a whole number from 1 to 200"),
    (dict(batch_size=2.5), ValueError, "batch size 2.5 is not a whole number from 1 to 200"),
    (dict(batch_size=True), ValueError, "batch size True is not a whole number from 1 to 200"),
    (dict(dataset="iris petals", batch_size=151), ValueError,
     "batch size 151 is not a whole number from 1 to 150"),
    (dict(dataset="x"), ValueError, "data set 'x' is not one of 'moons', 'circles', 'xor'"),
    (dict(dataset=["moons"]), ValueError, "data set ['moons'] is not one of 'moons'"),
    (dict(dataset=None), ValueError, "data set None is not one of 'moons'"),
    (dict(n_samples=1), ValueError, f"samples: 1 is not a whole number from 2 to {MOST_SAMPLES}"),
    (dict(n_samples=MOST_SAMPLES + 1), ValueError, f"samples: {MOST_SAMPLES + 1} is not a whole"),
    (dict(n_samples=True), ValueError, "samples: True is not a whole number from 2"),
    (dict(n_samples=100.0), ValueError, "samples: 100.0 is not a whole number from 2"),
    (dict(noise=NAN), ValueError, "make_moons(noise): expected a finite number >= 0, got nan"),
    (dict(noise=-1), ValueError, "make_moons(noise): expected a finite number >= 0"),
    (dict(noise="a"), TypeError, "make_moons(noise): expected a number, got str"),
    (dict(seed="a"), TypeError, "make_moons(seed): expected an int, a random.Random or None"),
    (dict(seed=True), TypeError, "make_moons(seed): expected an int, a random.Random or None"),
]


@pytest.mark.parametrize("settings, error, message", BAD_SETTINGS,
                         ids=[repr(s) for s, _, _ in BAD_SETTINGS])
def test_bad_settings_are_refused_naming_the_setting(settings, error, message):
    with pytest.raises(error) as caught:
        Session(**settings)
    assert type(caught.value) is error
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("settings", [
    dict(hidden="8 8,8 ,8"), dict(hidden=(1,)), dict(hidden=[]), dict(lr=10), dict(lr=1e-6),
    dict(batch_size=None), dict(batch_size=1), dict(batch_size=200),
    dict(n_samples=2, batch_size=2), dict(dataset="spiral", activation="sigmoid"), dict(seed=None),
])
def test_settings_at_the_edges_are_taken(settings):
    Session(**settings).train(1)


# (what is asked of a session on moons' 200 points, the start of its message)
BAD_ASKS = [
    (lambda s: s.train(0), "epochs: 0 is not a whole number from 1 to 1000"),
    (lambda s: s.train(1001), "epochs: 1001 is not a whole number from 1 to 1000"),
    (lambda s: s.train(2.5), "epochs: 2.5 is not a whole number from 1 to 1000"),
    (lambda s: s.train(True), "epochs: True is not a whole number from 1 to 1000"),
    (lambda s: s.train("5"), "epochs: '5' is not a whole number from 1 to 1000"),
    (lambda s: s.sample(-1), "sample -1 is not a whole number from 0 to 199"),
    (lambda s: s.sample(200), "sample 200 is not a whole number from 0 to 199"),
    (lambda s: s.sample(True), "sample True is not a whole number from 0 to 199"),
    (lambda s: s.sample(1.0), "sample 1.0 is not a whole number from 0 to 199"),
    (lambda s: s.sample(None), "sample None is not a whole number from 0 to 199"),
]


@pytest.mark.parametrize("ask, message", BAD_ASKS, ids=[m for _, m in BAD_ASKS])
def test_bad_epochs_and_samples_are_refused_and_change_nothing(ask, message):
    session = Session("moons")
    before = [p.data for p in session.model.parameters()]
    with pytest.raises(ValueError) as caught:
        ask(session)
    assert str(caught.value).startswith(message)
    assert session.epoch == 0
    assert [p.data for p in session.model.parameters()] == before


def test_load_refuses_an_unknown_data_set():
    with pytest.raises(ValueError) as caught:
        load("mnist")
    assert str(caught.value) == ("data set 'mnist' is not one of 'moons', 'circles', 'xor', "
                                 "'spiral', 'iris petals'")
