# Solutions to the exercises of notebooks/09_curvature.ipynb.
#
# Each block below replaces the notebook cell tagged with its name (tests/test_notebooks.py
# runs the notebook that way and checks that every check cell then says "right").


# %% exercise-1
x_t = rng.uniform(-2, 2)
predicted_tanh2 = -2 * math.tanh(x_t) * (1 - math.tanh(x_t) ** 2)


# %% exercise-2
x_now = rng.uniform(1.0, 2.0)
newton_x = x_now - df(x_now) / d2f(x_now)


# %% exercise-3
C_out = cost_of(W3_12)
w_out = parameters[W3_12].data
best_w = w_out - grad(C_out)(w_out) / grad(grad(C_out))(w_out)
