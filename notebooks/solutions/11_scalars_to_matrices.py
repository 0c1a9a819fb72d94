# Solutions to the exercises of notebooks/11_scalars_to_matrices.ipynb.
#
# Each block below replaces the notebook cell tagged with its name (tests/test_notebooks.py
# runs the notebook that way and checks that every check cell then says "right").


# %% exercise-1
Z2 = W1 @ A1 + b1  # z^(2) = W^(1) a^(1) + b^(1), a column per flower


# %% exercise-2
dZ2 = (W2.T @ dZ3) * (1 - A2**2)  # δ^(2) = (W^(2))^T δ^(3) ⊙ f'(z^(2))


# %% exercise-3
dW1 = dZ2 @ A1.T  # δ^(2) (a^(1))^T, summed over the flowers by the product
