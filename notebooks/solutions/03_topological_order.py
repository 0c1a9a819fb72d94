# Solutions to the exercises of notebooks/03_topological_order.ipynb.
#
# Each block below replaces the notebook cell tagged with its name (tests/test_notebooks.py
# runs the notebook that way and checks that every check cell then says "right").


# %% exercise-1
predicted_de_da = 8 * 3.0 + 2  # e = (2a)^2 + 2a = 4a^2 + 2a


# %% exercise-2
def my_order(root):
    order, visited = [], set()
    stack = [(root, False)]  # (node, whether its inputs are already in the order)
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))  # comes back after all of its inputs
            stack.extend((child, False) for child in node._children if child not in visited)
    return order


# %% exercise-3
predicted_steps = 33 - 22  # every node but the leaves
