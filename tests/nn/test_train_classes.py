"""Several classes: fit, predict, accuracy and evaluate_loss on models with one output per class.

The single-output behaviour is in test_train.py; here the same guarantees (NaN, Ctrl-C, plateau)
hold for k outputs trained with cross-entropy on class indices.
"""

import math

import pytest

from microprop import Value
from microprop.data import Standardizer, load_iris, train_test_split
from microprop.losses import cross_entropy
from microprop.nn import MLP, Layer, Module
from microprop.optim import Adam
from microprop.train import (
    NonFiniteLossError,
    TrainingInterrupted,
    accuracy,
    evaluate_loss,
    fit,
    predict,
)


class Fixed(Module):
    """A model whose three logits are fixed numbers plus the row's first value on logit 0."""

    def __init__(self, logits):
        self.logits = [Value(v) for v in logits]

    def __call__(self, x):
        return [self.logits[0] + x[0], self.logits[1], self.logits[2]]

    def parameters(self):
        return list(self.logits)


def three_species(seed=0):
    X, y = load_iris(classes=3)
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.2, seed=seed, stratify=True)
    scaler = Standardizer.fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def test_fit_trains_all_three_iris_species_to_at_least_93_percent_held_out():
    X_train, X_test, y_train, y_test = three_species()
    model = MLP(4, [8, 3], seed=0)
    history = fit(model, X_train, y_train, loss="cross_entropy", epochs=100,
                  optimizer=Adam(model.parameters(), lr=0.05), progress=False)
    assert history.losses[-1] < history.losses[0] / 5
    assert accuracy(model, X_test, y_test) >= 0.93
    assert set(predict(model, X_test)) == {0, 1, 2}


def test_the_loss_function_itself_may_be_passed_and_gives_the_same_training():
    X_train, _, y_train, _ = three_species()
    runs = []
    for loss in ("cross_entropy", cross_entropy):
        model = MLP(4, [3], seed=1)
        runs.append(fit(model, X_train, y_train, loss=loss, epochs=3, progress=False).losses)
    assert runs[0] == runs[1]


def test_the_first_loss_of_equal_logits_is_log_k():
    model = Fixed([0.0, 0.0, 0.0])
    X = [[0.0], [0.0]]
    assert evaluate_loss(model, X, [0, 2], "cross_entropy") == math.log(3.0)
    history = fit(model, X, [0, 2], loss="cross_entropy", lr=0.1, epochs=1, progress=False)
    assert history.losses == [math.log(3.0)]


def test_one_step_moves_each_logit_by_lr_times_p_minus_y():
    model = Fixed([0.0, 0.0, 0.0])  # p = 1/3 each; target class 1
    fit(model, [[0.0]], [1], loss="cross_entropy", lr=3.0, epochs=1, progress=False)
    # logit_i -= 3 * (1/3 - [i == 1]): -1, +2, -1
    assert [round(v.data, 12) for v in model.logits] == [-1.0, 2.0, -1.0]


def test_predict_gives_the_arg_max_the_first_on_a_tie_and_probabilities_on_request():
    model = Fixed([0.0, 1.0, 1.0])
    assert predict(model, [[5.0], [0.0], [1.0]]) == [0, 1, 0]  # logits 1, 1, 1 tie: class 0
    assert predict(model, [[0.0]], output="class") == [1]
    assert predict(model, [[0.0]], output="raw") == [[0.0, 1.0, 1.0]]
    (p,) = predict(model, [[1.0]], output="probabilities")
    assert p == pytest.approx([1 / 3, 1 / 3, 1 / 3], rel=1e-15)


def test_accuracy_compares_the_arg_max_with_the_class_index():
    model = Fixed([0.0, 1.0, 2.0])  # class 2 unless x[0] > 2
    assert accuracy(model, [[0.0], [3.0], [0.0], [5.0]], [2, 0, 1, 0]) == 0.75


def test_a_nan_loss_puts_back_the_last_good_parameters_for_several_classes():
    model = Fixed([0.0, 0.0, 0.0])
    calls = []

    def loss(predictions, targets):
        calls.append(1)
        cost = cross_entropy(predictions, targets)
        return cost * math.nan if len(calls) == 3 else cost

    with pytest.raises(NonFiniteLossError, match="in epoch 3") as info:
        fit(model, [[0.0]], [1], loss=loss, lr=0.5, epochs=10, progress=False)
    assert info.value.history.epochs == 2
    # Epoch 2 started after one update: logits -0.5/3, +0.5*2/3, -0.5/3.
    assert [v.data for v in model.logits] == pytest.approx([-1 / 6, 1 / 3, -1 / 6], rel=1e-12)


def test_an_exploding_learning_rate_stops_with_finite_parameters_for_several_classes():
    X_train, _, y_train, _ = three_species()
    model = MLP(4, [4, 3], seed=0)
    try:
        fit(model, X_train, y_train, loss="cross_entropy", lr=1e300, epochs=30, progress=False)
    except NonFiniteLossError:
        pass
    assert all(math.isfinite(p.data) for p in model.parameters())


def test_ctrl_c_keeps_the_last_complete_epoch_for_several_classes():
    model = Fixed([0.0, 0.0, 0.0])
    states = []

    class Record:
        def step(self):
            states.append([v.data for v in model.logits])

    calls = []

    def loss(predictions, targets):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return cross_entropy(predictions, targets)

    with pytest.raises(TrainingInterrupted) as info:
        fit(model, [[0.0]], [1], loss=loss, lr=0.5, epochs=10, schedule=Record(), progress=False)
    assert info.value.history.epochs == 2
    assert [v.data for v in model.logits] == states[1]


def test_training_stops_on_a_plateau_for_several_classes():
    model = Fixed([0.0, 0.0, 0.0])
    # Each epoch improves the loss by less than min_delta: three epochs after the first, it stops.
    history = fit(model, [[0.0], [0.0]], [1, 2], loss="cross_entropy", lr=0.01, epochs=50,
                  patience=3, min_delta=1.0, progress=False)
    assert history.stop_reason == "plateau" and history.epochs == 4


def test_a_custom_loss_gets_lists_of_logits_and_class_indices():
    seen = []

    def loss(predictions, targets):
        seen.append((len(predictions[0]), targets))
        return cross_entropy(predictions, targets)

    fit(Fixed([0.0, 0.0, 0.0]), [[0.0], [1.0]], [2, 0], loss=loss, epochs=1, progress=False)
    assert seen[0] == (3, [2, 0])


@pytest.mark.parametrize("loss", ["mse", "bce", "hinge"])
def test_a_binary_loss_on_a_model_with_several_outputs_is_refused_before_training(loss):
    model = Layer(1, 3, seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="gives 3 outputs, one per class"):
        fit(model, [[0.0]], [1], loss=loss, progress=False)
    assert model.state_dict() == before
