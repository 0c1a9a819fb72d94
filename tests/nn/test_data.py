"""Data: the Iris table and the handwritten digits as shipped, the seeded shapes (moons, circles,
XOR, spiral), the census names, CSV files of your own, seeded splits, standardisation."""

import csv
import math
import os
import random
from pathlib import Path

import pytest

import microprop.csv_data
import microprop.data
from microprop.data import (
    IRIS_SPECIES,
    ScaledOverflowError,
    Standardizer,
    load_csv,
    load_digits,
    load_iris,
    load_names,
    make_circles,
    make_moons,
    make_spiral,
    make_xor,
    train_test_split,
)

SHAPES = [make_moons, make_circles, make_xor, make_spiral]


def test_iris_has_150_rows_of_4_measurements_and_50_virginica():
    X, y = load_iris()
    assert len(X) == 150 and all(len(row) == 4 for row in X)
    assert sum(y) == 50 and set(y) == {0, 1}
    assert y[:100] == [0] * 100 and y[100:] == [1] * 50  # setosa, versicolor, virginica


def test_iris_first_and_last_rows_are_fishers():
    X, _ = load_iris()
    assert X[0] == [5.1, 3.5, 1.4, 0.2]
    assert X[-1] == [5.9, 3.0, 5.1, 1.8]


def test_iris_column_means_are_the_published_ones():
    X, _ = load_iris()
    means = [sum(col) / 150 for col in zip(*X, strict=True)]
    assert means == pytest.approx([5.8433, 3.0573, 3.7580, 1.1993], abs=1e-4)


def test_iris_can_single_out_any_species():
    for i, species in enumerate(IRIS_SPECIES):
        _, y = load_iris(species)
        assert y == [int(k // 50 == i) for k in range(150)]


def test_iris_with_three_classes_labels_each_species_by_its_index_in_iris_species():
    X, y = load_iris(classes=3)
    assert X == load_iris()[0]
    assert y == [0] * 50 + [1] * 50 + [2] * 50
    assert [IRIS_SPECIES[label] for label in (y[0], y[50], y[100])] == list(IRIS_SPECIES)


def test_a_stratified_split_keeps_all_three_species_in_proportion():
    X, y = load_iris(classes=3)
    for seed in range(5):
        _, _, y_train, y_test = train_test_split(X, y, 0.2, seed=seed, stratify=True)
        assert [y_test.count(c) for c in range(3)] == [10, 10, 10]
        assert [y_train.count(c) for c in range(3)] == [40, 40, 40]


def test_digits_are_1797_images_of_64_pixels_from_0_to_16():
    X, y = load_digits()
    assert len(X) == len(y) == 1797 and all(len(row) == 64 for row in X)
    pixels = {p for row in X for p in row}
    assert pixels == {float(k) for k in range(17)}
    assert all(type(p) is float for p in X[0]) and all(type(d) is int for d in y)


def test_digits_have_uci_s_test_set_count_of_each_digit():
    _, y = load_digits()
    assert [y.count(d) for d in range(10)] == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert y[:10] == list(range(10))  # the file starts 0, 1, ..., 9


def test_the_first_digit_is_a_zero_read_row_by_row_from_the_top_left():
    X, y = load_digits()
    assert y[0] == 0
    assert X[0][:16] == [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0]  # image rows 0, 1
    assert X[0][56:] == [0, 0, 6, 13, 10, 0, 0, 0]  # the bottom row
    assert X[-1][:8] == [0, 0, 10, 14, 8, 1, 0, 0] and y[-1] == 8
    column_0 = [X[0][8 * r] for r in range(8)]  # a zero's left edge: blank, then its stroke
    assert column_0 == [0, 0, 0, 0, 0, 0, 0, 0] and [X[0][8 * r + 1] for r in range(8)] == [
        0, 0, 3, 4, 5, 4, 2, 0]


def test_scaled_digits_are_the_pixels_divided_by_16():
    X, y = load_digits()
    scaled, y_scaled = load_digits(scaled=True)
    assert y_scaled == y
    assert scaled == [[p / 16 for p in row] for row in X]
    assert min(map(min, scaled)) == 0.0 and max(map(max, scaled)) == 1.0


def test_each_call_gives_new_lists_of_digits():
    X, y = load_digits()
    X[0][0], y[0] = 99.0, 7
    assert load_digits()[0][0][0] == 0.0 and load_digits()[1][0] == 0


def test_a_stratified_split_of_the_digits_keeps_a_fifth_of_each_digit():
    X, y = load_digits()
    _, _, y_train, y_test = train_test_split(X, y, 0.2, seed=0, stratify=True)
    assert [y_test.count(d) for d in range(10)] == [
        round(0.2 * n) for n in (178, 182, 177, 183, 181, 182, 181, 179, 174, 180)]
    assert len(y_train) + len(y_test) == 1797


def test_moons_are_reproducible_with_a_seed():
    assert make_moons(50, seed=3) == make_moons(50, seed=3)
    assert make_moons(50, seed=3) != make_moons(50, seed=4)


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = make_moons(10, noise=0.0)
    assert y == [0] * 5 + [1] * 5
    for (a, b), label in zip(X, y, strict=True):
        if label == 0:
            assert a**2 + b**2 == pytest.approx(1.0) and b >= -1e-12
        else:
            assert (a - 1) ** 2 + (b - 0.5) ** 2 == pytest.approx(1.0) and b <= 0.5 + 1e-12
    assert X[0] == [1.0, 0.0] and X[5] == [0.0, 0.5]


def test_an_odd_number_of_moon_points_gives_the_extra_one_to_the_upper_moon():
    _, y = make_moons(7, seed=0)
    assert y.count(0) == 4 and y.count(1) == 3


def test_moons_use_the_global_random_module_without_a_seed():
    random.seed(5)
    a = make_moons(20)
    random.seed(5)
    assert make_moons(20) == a


def test_a_random_generator_can_be_passed_as_the_seed():
    assert make_moons(20, seed=random.Random(3)) == make_moons(20, seed=3)


# ---- the shapes: circles, XOR, spiral, seeded as the moons are -----------------------------


@pytest.mark.parametrize("make", SHAPES, ids=lambda f: f.__name__)
def test_each_shape_is_reproducible_with_a_seed_and_differs_with_another(make):
    X, y = make(40, seed=3)
    assert (X, y) == make(40, seed=3) == make(40, seed=random.Random(3))
    assert make(40, seed=4)[0] != X
    assert len(X) == 40 and all(len(row) == 2 and all(map(math.isfinite, row)) for row in X)
    random.seed(5)
    a = make(20)
    random.seed(5)
    assert make(20) == a  # without a seed: the global random module


@pytest.mark.parametrize("make", SHAPES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("n", [2, 7, 100])
def test_each_shape_has_balanced_labels_the_extra_point_to_label_0(make, n):
    _, y = make(n, seed=0)
    assert y == [0] * ((n + 1) // 2) + [1] * (n // 2)


def test_circles_without_noise_are_evenly_spaced_on_radius_1_and_0_5():
    X, y = make_circles(8, noise=0.0)
    assert y == [0] * 4 + [1] * 4
    assert [math.hypot(*p) for p in X] == pytest.approx([1.0] * 4 + [0.5] * 4)
    assert X[0] == [1.0, 0.0] and X[4] == [0.5, 0.0]
    assert X[1] == pytest.approx([0.0, 1.0]) and X[6] == pytest.approx([-0.5, 0.0])


def test_xor_without_noise_labels_by_the_signs_and_keeps_0_1_from_the_axes():
    X, y = make_xor(200, noise=0.0, seed=0)
    for (a, b), label in zip(X, y, strict=True):
        assert label == int((a > 0) != (b > 0))
        assert 0.1 <= abs(a) <= 1.0 and 0.1 <= abs(b) <= 1.0
    quadrants = [(a > 0, b > 0) for a, b in X]
    assert {q: quadrants.count(q) for q in set(quadrants)} == {
        (True, True): 50, (False, False): 50, (True, False): 50, (False, True): 50
    }


def test_spirals_without_noise_are_each_others_half_turn():
    X, y = make_spiral(10, noise=0.0)
    assert y == [0] * 5 + [1] * 5
    assert [math.hypot(*p) for p in X] == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0] * 2)
    assert X[5:] == [[pytest.approx(-a, abs=1e-12), pytest.approx(-b, abs=1e-12)]
                     for a, b in X[:5]]
    assert X[4] == pytest.approx([math.cos(3.5 * math.pi), math.sin(3.5 * math.pi)], abs=1e-12)


def test_noise_moves_each_coordinate_by_about_its_standard_deviation():
    for make in (make_circles, make_spiral):
        clean, _ = make(2000, noise=0.0)
        noisy, _ = make(2000, noise=0.1, seed=0)
        shifts = [a - b for p, q in zip(noisy, clean, strict=True) for a, b in zip(p, q)]
        sd = math.sqrt(sum(d * d for d in shifts) / len(shifts))
        assert sd == pytest.approx(0.1, rel=0.05)


# ---- load_csv: a file of your own ---------------------------------------------------------


def write_csv(path, rows, **options):
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, **options).writerows(rows)
    return path


def test_a_csv_round_trip_gives_back_the_numbers_and_names_the_classes(tmp_path):
    X, y = load_iris(classes=3)
    rows = [[*x, IRIS_SPECIES[label]] for x, label in zip(X, y, strict=True)]
    path = write_csv(tmp_path / "iris.csv", [["sl", "sw", "pl", "pw", "species"], *rows])
    table = load_csv(path)
    assert table.X == X and table.y == y  # repr round-trips every float exactly
    assert table.classes == IRIS_SPECIES  # sorted: setosa, versicolor, virginica
    assert table.features == ("sl", "sw", "pl", "pw") and table.target == "species"
    X2, y2 = table  # unpacks as load_iris does
    assert (X2, y2) == (X, y)


def test_text_classes_are_sorted_and_y_indexes_them(tmp_path):
    path = write_csv(tmp_path / "d.csv", [["x", "label"], [1, "yes"], [2, "no"], [3, "maybe"],
                                          [4, "yes"]])
    table = load_csv(path)
    assert table.classes == ("maybe", "no", "yes")
    assert table.y == [2, 1, 0, 2]
    assert [table.classes[k] for k in table.y] == ["yes", "no", "maybe", "yes"]


def test_whole_number_targets_stay_ints_as_written_and_other_numbers_are_floats(tmp_path):
    ints = load_csv(write_csv(tmp_path / "i.csv", [["x", "y"], [1, 3], [2, 7], [3, -2]]))
    assert ints.y == [3, 7, -2] and all(type(v) is int for v in ints.y)
    assert ints.classes is None
    floats = load_csv(write_csv(tmp_path / "f.csv", [["x", "y"], [1, "3"], [2, "2.5"]]))
    assert floats.y == [3.0, 2.5] and all(type(v) is float for v in floats.y)
    assert floats.classes is None
    # 1.0 is written as a float, so it is read as one, as pandas reads it
    assert load_csv(write_csv(tmp_path / "g.csv", [["x", "y"], [1, "1.0"], [2, "0"]])).y == [
        1.0, 0.0]


def test_the_target_can_be_any_column_by_name(tmp_path):
    path = write_csv(tmp_path / "d.csv", [["a", "kind", "b"], [1, "cat", 2], [3, "dog", 4]])
    table = load_csv(path, target="kind")
    assert table.X == [[1.0, 2.0], [3.0, 4.0]] and table.y == [0, 1]
    assert table.features == ("a", "b") and table.classes == ("cat", "dog")
    assert load_csv(str(path), "kind") == table  # a str path or a pathlib.Path


def test_spreadsheet_habits_are_read_bom_crlf_spaces_quotes_and_blank_lines(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf a , b ,class\r\n 1.5 ,\"2\", x \r\n\r\n-3e2,4,\"y, z\"\r\n")
    table = load_csv(path)
    assert table.features == ("a", "b") and table.target == "class"
    assert table.X == [[1.5, 2.0], [-300.0, 4.0]]
    assert table.classes == ("x", "y, z") and table.y == [0, 1]


def test_load_csv_only_reads_the_file(tmp_path):
    path = write_csv(tmp_path / "d.csv", [["x", "y"], [1, 0], [2, 1]])
    before = path.read_bytes(), os.stat(path).st_mtime_ns
    load_csv(path)
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before
    assert os.listdir(tmp_path) == ["d.csv"]


def test_the_row_bound_takes_exactly_max_rows_and_stops_at_the_next(tmp_path, monkeypatch):
    monkeypatch.setattr(microprop.csv_data, "MAX_CSV_ROWS", 5)
    rows = [["x", "y"], *([i, i % 2] for i in range(5))]
    assert len(load_csv(write_csv(tmp_path / "five.csv", rows)).X) == 5
    # Row 6 is refused before row 7 is read: a bad cell further on is never reached.
    path = write_csv(tmp_path / "more.csv", [*rows, [5, 1], ["bad", 0]])
    with pytest.raises(ValueError, match=r"more\.csv has more than 5 rows \(line 7 is one more\)"):
        load_csv(path)


def test_a_bad_cell_is_named_by_its_line_in_the_file_counting_blank_lines(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("x,y\n\n1,a\n\n\n2,b\n?,c\n")
    with pytest.raises(ValueError) as info:
        load_csv(path)
    assert str(info.value) == (
        f"load_csv: {path}, line 7, column 1 ('x') is '?', not a number; expected a number in "
        "every column but the target"
    )


def test_names_are_the_5163_census_first_names_most_common_first():
    names = load_names()
    assert len(names) == 5163 == len(set(names))  # 4,275 female + 1,219 male, 331 on both lists
    assert names[:5] == ["james", "john", "robert", "michael", "mary"]
    assert "emma" in names and "olivia" in names


def test_every_name_is_2_to_11_lower_case_letters():
    names = load_names()
    assert all(name.isascii() and name.isalpha() and name.islower() for name in names)
    assert min(map(len, names)) == 2 and max(map(len, names)) == 11
    assert set("".join(names)) == set("abcdefghijklmnopqrstuvwxyz")


def test_each_call_gives_a_new_list():
    names = load_names()
    names.clear()
    assert len(load_names()) == 5163


def test_the_names_file_says_where_it_comes_from_and_its_licence():
    header = (Path(microprop.data.__file__).parent / "data" / "names.md").read_text()
    assert "1990" in header and "Census" in header and "Public domain" in header


def test_a_standardizer_shows_its_mean_and_std():
    text = repr(Standardizer([1.0, 2.0], [0.5, 4.0]))
    assert text == "Standardizer(mean=[1.0, 2.0], std=[0.5, 4.0])"


def test_split_keeps_every_row_once_and_is_reproducible():
    X = [[float(i)] for i in range(10)]
    y = list(range(10))
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.2, seed=1)
    assert len(X_test) == 2 and len(X_train) == 8
    assert sorted(y_train + y_test) == y
    assert [row[0] for row in X_train] == y_train  # rows and labels stay paired
    assert train_test_split(X, y, 0.2, seed=1) == (X_train, X_test, y_train, y_test)
    assert train_test_split(X, y, 0.2, seed=2) != (X_train, X_test, y_train, y_test)


def test_a_stratified_split_keeps_the_label_proportions():
    X, y = load_iris()
    for seed in range(5):
        _, _, y_train, y_test = train_test_split(X, y, 0.2, seed=seed, stratify=True)
        assert len(y_test) == 30 and sum(y_test) == 10 and sum(y_train) == 40


def test_standardizer_gives_mean_0_and_std_1_on_the_rows_it_was_fitted_on():
    X = [[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]]
    scaler = Standardizer.fit(X)
    assert scaler.mean == [3.0, 10.0]
    assert scaler.std == [math.sqrt(8 / 3), 1.0]  # a constant column is only shifted
    Z = scaler.transform(X)
    assert [row[0] for row in Z] == pytest.approx([-math.sqrt(1.5), 0.0, math.sqrt(1.5)])
    assert [row[1] for row in Z] == [0.0, 0.0, 0.0]
    assert scaler.transform([[7.0, 11.0]]) == [[pytest.approx(4 / math.sqrt(8 / 3)), 1.0]]


def test_a_huge_int_in_the_rows_is_a_value_error_naming_the_row():
    with pytest.raises(ValueError) as info:
        Standardizer.fit([[1.0, 2.0], [3.0, 10**400]])
    assert str(info.value) == (
        "Standardizer.fit(X): row 1 holds an int too large for a float; every value must be finite"
    )
    with pytest.raises(ValueError, match=r"train_test_split\(X\): row 0 holds an int too large"):
        train_test_split([[-(10**400)], [1.0]], [0, 1])
    with pytest.raises(ValueError, match=r"make_moons\(noise\): expected a finite number >= 0"):
        make_moons(10, noise=10**400)


# ---- Standardizer: finite numbers near the largest float -----------------------------------
# Training and its data on inputs that used to give a wrong answer or a riddle, each test naming
# the defect it guards against.


@pytest.mark.parametrize(
    "column, mean, std",
    [
        ([1e308, 1.7e308], 1.35e308, 3.5e307),  # the sum overflowed in fsum
        ([1e308, -1e308], 0.0, 1e308),  # the squared deviations overflowed
        ([1e200, -1e200], 0.0, 1e200),  # a square alone overflowed
        ([1.7e308, 1.7e308], 1.7e308, 1.0),  # a constant column is still only shifted
    ],
)
def test_standardizer_fits_finite_numbers_whose_sum_or_variance_would_overflow(column, mean, std):
    """Defect: Standardizer.fit raised a bare OverflowError (intermediate overflow in fsum,
    or Numerical result out of range) for finite numbers near 1e308."""
    scaler = Standardizer.fit([[x] for x in column])
    assert scaler.mean[0] == pytest.approx(mean) and scaler.std[0] == pytest.approx(std)


def test_standardizer_measures_a_column_of_tiny_numbers_instead_of_calling_it_constant():
    """Defect: squared deviations of numbers near 1e-200 underflowed to 0, so a varying column
    got std 1.0 as if it were constant. Now it is measured in units of its own scale."""
    scaler = Standardizer.fit([[1e-200], [3e-200]])
    assert scaler.mean == [2e-200] and scaler.std == [1e-200]
    assert scaler.transform([[1e-200], [3e-200]]) == [[-1.0], [1.0]]


def test_standardizer_fits_ordinary_numbers_to_the_same_bits_as_before():
    """Scaling by a power of two must not change a bit of the mean or std of ordinary data."""
    rows = [[0.1 * i, 3.0 - 0.7 * i * i, 1e6 + i] for i in range(17)]
    scaler = Standardizer.fit(rows)
    for j in range(3):
        column = [r[j] for r in rows]
        mean = math.fsum(column) / len(column)
        std = math.sqrt(math.fsum((x - mean) ** 2 for x in column) / len(column))
        assert scaler.mean[j] == mean and scaler.std[j] == std


def test_standardizer_transform_refuses_a_result_too_large_for_a_float_naming_its_place():
    """Defect: a result that cannot be a float came back as +-inf, so a caller had to search the
    rows for it to say which input was too large; now the error names the row and the feature
    (and carries them, which predict on the command line turns into the feature's name)."""
    scaler = Standardizer([0.0, 0.0], [1.0, 1e-300])
    assert scaler.transform([[1.0, 1e-300]]) == [[1.0, 1.0]]  # every entry that fits is kept
    with pytest.raises(ScaledOverflowError) as info:
        scaler.transform([[1.0, 1e-300], [2.0, -1e10]])
    e = info.value
    assert isinstance(e, ValueError)
    assert (e.row, e.feature, e.value, e.scaled) == (1, 1, -1e10, -math.inf)
    assert str(e).startswith("Standardizer.transform(X): row 1, feature 1 is -10000000000.0, "
                             "which scales to -inf")


def test_standardizer_transform_says_which_inputs_would_have_fitted():
    """The bound is mean +- (largest float) * std, kept inside the floats: with std 1e-300 the
    inputs from about -1.798e+08 to 1.798e+08 fit; with mean -1e308 and std 1, those up to
    about 7.977e+307 (1.798e308 - 1e308)."""
    with pytest.raises(ValueError, match=r"expected a number from about -1\.798e\+08 to "
                                         r"1\.798e\+08$"):
        Standardizer([0.0], [1e-300]).transform([[1e10]])
    with pytest.raises(ValueError, match=r"expected a number from about -1\.798e\+308 to "
                                         r"7\.977e\+307$"):
        Standardizer([-1e308], [1.0]).transform([[1.7e308]])


def test_standardizer_transform_keeps_a_result_that_fits_though_x_minus_mean_overflows():
    """x - mean overflowing is not the result overflowing: (1.7e308 - -1.7e308) / 1.7e308 is 2."""
    scaler = Standardizer([-1.7e308], [1.7e308])
    assert scaler.transform([[1.7e308]]) == [[2.0]]
