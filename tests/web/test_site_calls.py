"""What the page's worker asks of Python (web/python/site_calls.py): call(name, JSON) answers
JSON, {"ok": ...} or {"refused": "one line"}, whatever the page sends."""

import json

import pytest
import site_calls
from cells import Cells


def strict(text):
    """``text`` read as JSON as the page's JSON.parse reads it: NaN and Infinity are not JSON."""
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def ask(name, arguments):
    """The answer to ``name`` with ``arguments`` (given as data, or as JSON text if a str)."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    answer = strict(site_calls.call(name, text))
    assert isinstance(answer, dict) and len(answer) == 1 and set(answer) <= {"ok", "refused"}
    return answer


@pytest.fixture(autouse=True)
def new_page(monkeypatch):
    """Each test is a page just opened: new cells, and no network yet."""
    monkeypatch.setattr(site_calls, "_cells", Cells())
    monkeypatch.setattr(site_calls, "_session", None)


def test_run_answers_what_the_cell_printed_and_showed():
    assert ask("run", {"code": "x = 2\nprint('hi')\nx * 3"}) == {
        "ok": {"printed": "hi\n", "outputs": [{"kind": "text", "data": "6"}], "error": None}}
    assert ask("run", {"code": "x"})["ok"]["outputs"] == [{"kind": "text", "data": "2"}]


def test_a_cells_error_is_an_answer_not_a_refusal():
    answer = ask("run", {"code": "1 / 0"})
    assert answer["ok"]["error"].endswith("ZeroDivisionError: division by zero\n")


def test_start_train_and_sample(fake_svg):
    state = ask("start", {"dataset": "xor", "hidden": "4", "batch_size": None})["ok"]
    assert (state["epoch"], state["classes"]) == (0, 2)
    assert ask("train", {})["ok"]["epoch"] == 5  # five epochs unless told
    assert ask("train", {"epochs": 2})["ok"]["epoch"] == 7
    assert "step 0 of" in ask("sample", {"index": 3})["ok"]
    assert ask("start", {"dataset": "xor"})["ok"]["epoch"] == 0  # a new network


def test_start_with_a_bad_setting_is_refused_in_one_line_and_keeps_the_network():
    ask("start", {"hidden": "2"})
    ask("train", {"epochs": 1})
    answer = ask("start", {"hidden": "9, 9"})
    assert answer == {"refused": "hidden layers [9, 9]: at most 4 layers of at most 8 neurons "
                                 "train at a watchable pace here"}
    assert ask("train", {"epochs": 1})["ok"]["epoch"] == 2


# (name, its arguments as JSON text, the start of the refusal): the page sent something wrong.
REFUSED = [
    ("train", "{}", "train: no network yet; press Train first"),
    ("sample", '{"index": 0}', "sample: no network yet; press Train first"),
    ("foo", "{}", "unknown call 'foo'; the calls are run, start, train, sample"),
    ("", "{}", "unknown call ''"),
    ("run", "[1]", "run: the arguments must be a JSON object, got [1]"),
    ("run", '"print(1)"', "run: the arguments must be a JSON object, got 'print(1)'"),
    ("run", "null", "run: the arguments must be a JSON object, got None"),
    ("run", "{}", "run: the arguments have no 'code'"),
    ("run", '{"code": 5}', "Cells.run: code must be a str, got int"),
    ("run", "not json", "Expecting value: line 1 column 1"),
    ("start", "[]", "start: the arguments must be a JSON object, got []"),
    ("start", '{"hiden": "4"}', "start: 'hiden' is not a setting; the settings are dataset, "
                                "hidden, activation, lr, batch_size, seed, n_samples, noise"),
    ("start", '{"lr": "NaN"}', "learning rate: 'NaN' is not a number from 1e-06 to 10"),
    ("start", '{"lr": NaN}', "learning rate: nan is not a number from 1e-06 to 10"),
    ("start", '{"hidden": 4}', "hidden layers 4: expected sizes such as '4, 4'"),
    ("start", '{"hidden": {"4": 4}}', "hidden layers {'4': 4}: expected sizes such as"),
    ("start", '{"dataset": ["moons"]}', "data set ['moons'] is not one of"),
]


@pytest.mark.parametrize("name, arguments, message", REFUSED, ids=[m for *_, m in REFUSED])
def test_what_the_page_should_not_send_is_refused_in_one_line(name, arguments, message):
    answer = ask(name, arguments)
    assert answer["refused"].startswith(message)
    assert "\n" not in answer["refused"]


# (name, its arguments, the start of the refusal) once a network has started.
REFUSED_WHILE_TRAINING = [
    ("train", "[]", "train: the arguments must be a JSON object, got []"),
    ("train", '{"epochs": "5"}', "epochs: '5' is not a whole number from 1 to 1000"),
    ("train", '{"epochs": true}', "epochs: True is not a whole number from 1 to 1000"),
    ("train", '{"epochs": 0}', "epochs: 0 is not a whole number from 1 to 1000"),
    ("sample", "{}", "sample: the arguments have no 'index'"),
    ("sample", '{"index": 200}', "sample 200 is not a whole number from 0 to 199"),
    ("sample", '{"index": 1.5}', "sample 1.5 is not a whole number from 0 to 199"),
]


@pytest.mark.parametrize("name, arguments, message", REFUSED_WHILE_TRAINING,
                         ids=[m for *_, m in REFUSED_WHILE_TRAINING])
def test_bad_arguments_to_a_started_network_are_refused(name, arguments, message):
    ask("start", {})
    answer = ask(name, arguments)
    assert answer["refused"].startswith(message)
    assert ask("train", {"epochs": 1})["ok"]["epoch"] == 1  # and the page goes on


def test_a_loss_too_large_to_compute_is_refused_not_raised():
    ask("start", {"noise": 1e5, "activation": "relu", "hidden": "8", "lr": 10})
    assert ask("train", {})["refused"].startswith("training stopped: the loss became too large")


def test_an_answer_holding_nan_is_refused_as_the_page_could_not_read_it(monkeypatch):
    """json.dumps writes NaN, which Python reads back but the page's JSON.parse does not."""
    monkeypatch.setattr(site_calls, "_answer", lambda name, args: {"loss": float("nan")})
    assert ask("train", {})["refused"].startswith("Out of range float values are not JSON")


def test_printed_text_of_every_kind_is_answered_as_json():
    answer = ask("run", {"code": "print('é\\u2603\\x00\"\\\\<')\nprint('\\ud800')"})
    assert answer["ok"]["printed"] == 'é\u2603\x00"\\<\n\ud800\n'
