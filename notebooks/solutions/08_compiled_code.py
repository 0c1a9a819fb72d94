# Solutions to the exercises of notebooks/08_compiled_code.ipynb.
#
# Each block below replaces the notebook cell tagged with its name (tests/test_notebooks.py
# runs the notebook that way and checks that every check cell then says "right").


# %% exercise-1
# δ^(2)_1 = dC/dz^(2)_1 is the gradient of z^(2)_1's variable: the line that multiplies
# (1.0 - a * a), a being a^(2)_1's variable, by d_ of that variable (f'(z) times dC/da).
delta_name = "d_" + variable("z^(2)_1")


# %% exercise-2
delta3 = [dC_ds * W3[j] * (1 - a3[j] ** 2) for j in range(2)]  # δ^(3)_1, δ^(3)_2
delta2_1 = (W2[0][0] * delta3[0] + W2[1][0] * delta3[1]) * (1 - a2[0] ** 2)


# %% exercise-3
def clip_at_1(x):
    return 1.0 - (1.0 - x).relu()
