# Solutions to the exercises of notebooks/90_tiny_gpt.ipynb.
#
# Each block below replaces the notebook cell tagged with its name (tests/test_notebooks.py
# runs the notebook that way and checks that every check cell then says "right").

# %% exercise-1
predicted_count = V * D + T * D + 4 * D * D + 2 * HIDDEN * D + V * D  # wte wpe, qkvo, MLP, head

# %% exercise-2
def delta_by_hand(s, t):
    top = max(s)  # take out the largest logit, so that no exp overflows
    e = [math.exp(si - top) for si in s]
    return [ei / sum(e) - (1.0 if i == t else 0.0) for i, ei in enumerate(e)]  # p_i - [i == t]

# %% exercise-3
def attention_weights(q, keys):
    return softmax([dot(q, k) / math.sqrt(D) for k in keys])
