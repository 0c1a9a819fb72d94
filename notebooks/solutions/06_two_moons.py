# Solutions to the exercises of notebooks/06_two_moons.ipynb.
#
# Each block below replaces the notebook cell tagged with its name (tests/test_notebooks.py
# runs the notebook that way and checks that every check cell then says "right").


# %% exercise-1
def hinge_slope(s, y):
    return -y if y * s < 1 else 0.0


# %% exercise-2
w_first = adam_model.layers[0].neurons[0].w[0]
predicted_penalty_grad = 2 * 1e-4 * w_first.data
