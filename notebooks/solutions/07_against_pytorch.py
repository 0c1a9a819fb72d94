# Solutions to the exercises of notebooks/07_against_pytorch.ipynb.
#
# Each block below replaces the notebook cell tagged with its name (tests/test_notebooks.py
# runs the notebook that way and checks that every check cell then says "right").


# %% exercise-1
W2_then = torch.tensor(
    [[w.data for w in n.w] for n in article_network("tanh", seed=SEED).layers[1].neurons],
    dtype=torch.float64,
)
my_delta2 = (W2_then.T @ delta3) * (1 - a2.detach() ** 2)


# %% exercise-2
my_db2 = delta3.sum(1, keepdim=True)
