# Solutions to the exercises of notebooks/01_forward_propagation.ipynb.
#
# Each block below replaces the notebook cell tagged with its name (tests/test_notebooks.py
# runs the notebook that way and checks that every check cell then says "right").


# %% exercise-1
z3_1 = W2[0][0] * a2[0] + W2[0][1] * a2[1] + b2[0]


# %% exercise-2
predicted_parameters = 3 * (4 + 1) + 3 * (3 + 1) + 1 * 3


# %% exercise-3
relu_model = article_network("relu", seed=SEED)
R1, R2, R3 = ([[w.data for w in n.w] for n in layer.neurons] for layer in relu_model.layers)
c1, c2 = ([n.b.data for n in layer.neurons] for layer in relu_model.layers[:2])


def relu_list(v):
    return [max(0.0, t) for t in v]


(s_relu,) = matvec(R3, relu_list(add(matvec(R2, relu_list(add(matvec(R1, x), c1))), c2)))
