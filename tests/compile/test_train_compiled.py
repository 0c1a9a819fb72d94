"""fit(compile=True): the same training as eager, run as generated code (microprop.compile).

With one sample per update the compiled run is eager's bit for bit; with bigger batches each
sample's gradient is still eager's, and only the order of adding them differs (about 1e-15).
"""

import math

import pytest

from microprop.data import Standardizer, load_iris, make_moons
from microprop.nn import MLP, article_network
from microprop.optim import SGD, Adam
from microprop.train import NonFiniteLossError, TrainingInterrupted, fit

FLOWERS, VIRGINICA = load_iris(positive="virginica")
FLOWERS = Standardizer.fit(FLOWERS).transform(FLOWERS)
_, SPECIES = load_iris()


def trained(make_model, X, y, compile, optimizer=None, **options):
    """The parameters and the history after fit from a freshly made model."""
    model = make_model()
    opt = optimizer(model.parameters()) if optimizer else None
    history = fit(model, X, y, optimizer=opt, progress=False, compile=compile, **options)
    return [p.data for p in model.parameters()], history


def largest_relative_difference(a, b):
    return max(abs(x - y) / max(abs(x), abs(y), 1e-300) for x, y in zip(a, b, strict=True))


def test_per_sample_sgd_on_the_article_network_is_eagers_bit_for_bit():
    def network():
        return article_network("tanh", seed=3)

    eager, eager_history = trained(network, FLOWERS, VIRGINICA, False, lr=0.1, epochs=20,
                                   batch_size=1, seed=0, loss="mse")
    compiled, history = trained(network, FLOWERS, VIRGINICA, True, lr=0.1, epochs=20,
                                batch_size=1, seed=0, loss="mse")
    assert compiled == eager
    assert history.losses == eager_history.losses
    assert history.final_loss == eager_history.final_loss


@pytest.mark.parametrize("batch_size, l2", [(None, 0.0), (16, 0.0), (16, 1e-3), (1, 1e-3)])
def test_batches_three_classes_adam_and_l2_agree_with_eager_to_1e_12(batch_size, l2):
    def network():
        return MLP(4, [8, 3], seed=2)

    def adam(params):
        return Adam(params, lr=0.01)

    options = dict(loss="cross_entropy", epochs=15, batch_size=batch_size, l2=l2, seed=0)
    eager, eager_history = trained(network, FLOWERS, SPECIES, False, adam, **options)
    compiled, history = trained(network, FLOWERS, SPECIES, True, adam, **options)
    assert largest_relative_difference(compiled, eager) < 1e-12
    assert largest_relative_difference(history.losses, eager_history.losses) < 1e-12
    assert history.stop_reason == eager_history.stop_reason == "max_epochs"


def test_micrograds_demo_with_the_hinge_loss_agrees_with_eager():
    X, y = make_moons(100, noise=0.1, seed=1)
    y = [2.0 * t - 1.0 for t in y]

    def network():
        return MLP(2, [16, 16, 1], seed=0)

    options = dict(loss="hinge", lr=0.05, epochs=10, l2=1e-4)
    eager, _ = trained(network, X, y, False, **options)
    compiled, _ = trained(network, X, y, True, **options)
    assert largest_relative_difference(compiled, eager) < 1e-12


def test_the_stopping_rules_stop_at_the_same_epoch_as_eager():
    def network():
        return article_network("tanh", seed=0)

    options = dict(loss="bce", lr=0.5, epochs=1000, tol=0.05, patience=50, min_delta=1e-4)
    _, eager = trained(network, FLOWERS, VIRGINICA, False, **options)
    _, compiled = trained(network, FLOWERS, VIRGINICA, True, **options)
    assert (compiled.epochs, compiled.stop_reason) == (eager.epochs, eager.stop_reason)
    assert compiled.final_loss == pytest.approx(eager.final_loss, rel=1e-12)


def test_a_diverging_compiled_run_stops_as_eager_does_with_the_same_parameters_back():
    outcomes = []
    for compile in (False, True):
        model = MLP(4, [4, 1], activation="linear", seed=0)
        with pytest.raises(NonFiniteLossError) as info:
            fit(model, FLOWERS, VIRGINICA, loss="mse", lr=1e3, epochs=50, progress=False,
                compile=compile)
        outcomes.append((info.value.epoch, [p.data for p in model.parameters()]))
    assert outcomes[0][0] == outcomes[1][0]
    assert all(math.isfinite(p) for p in outcomes[1][1])
    assert largest_relative_difference(outcomes[0][1], outcomes[1][1]) < 1e-12


def test_ctrl_c_during_a_compiled_run_keeps_the_last_complete_epoch():
    class StopAfter:
        """A schedule whose step() runs after each epoch: Ctrl-C after the second."""

        def __init__(self, model):
            self.model, self.epochs, self.kept = model, 0, None

        def step(self):
            self.epochs += 1
            if self.epochs == 2:
                self.kept = [p.data for p in self.model.parameters()]
                raise KeyboardInterrupt

    model = article_network("tanh", seed=1)
    schedule = StopAfter(model)
    with pytest.raises(TrainingInterrupted) as info:
        fit(model, FLOWERS, VIRGINICA, loss="mse", optimizer=SGD(model.parameters(), lr=0.1),
            epochs=10, schedule=schedule, progress=False, compile=True)
    assert info.value.history.epochs == 2
    assert [p.data for p in model.parameters()] == schedule.kept


def test_the_progress_bar_counts_compiled_epochs_and_shows_the_loss(fake_tqdm):
    seen = fake_tqdm
    history = fit(article_network("tanh", seed=0), FLOWERS, VIRGINICA, loss="mse", lr=0.1,
                  epochs=3, progress=True, compile=True)
    (bar,) = seen
    assert bar.n == 3 and bar.postfix == f"loss={history.losses[-1]:.4g}"
