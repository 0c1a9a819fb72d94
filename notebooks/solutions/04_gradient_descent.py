# Solutions to the exercises of notebooks/04_gradient_descent.ipynb.
#
# Each block below replaces the notebook cell tagged with its name (tests/test_notebooks.py
# runs the notebook that way and checks that every check cell then says "right").


# %% exercise-1
outputs = [model(x) for x in X_train]
predicted_dC_ds1 = 2 * (outputs[0].data - y_train[0]) / len(y_train)


# %% exercise-2
model.zero_grad()
cost(model, X_train, y_train).backward()
w22 = model.layers[1].neurons[1].w[1]
predicted_w22 = w22.data - eps * w22.grad


# %% exercise-3
big_eps = 3.0  # ten times the notebook's 0.3: C grows by orders of magnitude
