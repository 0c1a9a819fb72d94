# Solutions to the exercises of notebooks/10_digits.ipynb.
#
# Each block below replaces the notebook cell tagged with its name (tests/test_notebooks.py
# runs the notebook that way and checks that every check cell then says "right").


# %% exercise-1
def mirror(image):
    return [image[8 * r + 7 - c] for r in range(8) for c in range(8)]  # pixel (r, 7 - c)


# %% exercise-2
x0, t0 = X_test[i0], y_test[i0]  # the image and its digit
p0 = [q.data for q in softmax(model(x0))]
delta_out = [p0[i] - (1.0 if i == t0 else 0.0) for i in range(10)]  # p - y
a0 = [a.data for a in model.layers[0].outputs(x0)]  # a_j = relu(z_j)
W = [[w.data for w in neuron.w] for neuron in model.layers[1].neurons]  # W[i][j]: 10 rows
my_delta_hidden = [
    sum(W[i][j] * delta_out[i] for i in range(10)) * (1.0 if a0[j] > 0 else 0.0)
    for j in range(HIDDEN)
]


# %% exercise-3
my_dC_dx = [sum(W1[j][k] * delta_hidden[j] for j in range(HIDDEN)) for k in range(64)]
