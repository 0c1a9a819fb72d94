# Solutions to the exercises of notebooks/02_chain_rule.ipynb.
#
# Each block below replaces the notebook cell tagged with its name (tests/test_notebooks.py
# runs the notebook that way and checks that every check cell then says "right").


# %% exercise-1
my_delta3_1 = dC_ds * W(3, 1, 1).data * (1 - math.tanh(v["z^(3)_1"].data) ** 2)


# %% exercise-2
my_delta2_1 = (W(2, 1, 1).data * delta3[0] + W(2, 2, 1).data * delta3[1]) * (
    1 - math.tanh(v["z^(2)_1"].data) ** 2
)


# %% exercise-3
model50 = article_network("tanh", seed=SEED)
v50 = forward(model50, flowers[50], float(labels[50]))
w3_12 = model50.layers[2].neurons[0].w[1].data
predicted_db = 2 * (v50["s"].data - 0.0) * w3_12 * (1 - math.tanh(v50["z^(3)_2"].data) ** 2)
