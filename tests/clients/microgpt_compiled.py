# The training loop of Andrej Karpathy's microgpt.py (2026;
# gist.github.com/karpathy/8627fe009c40f57531cb18360106ce95), ported to microprop.compile. The
# model, the Adam update and the rest are as in microgpt.py beside this file; the changes are
# the ones a tracer needs, each marked "microprop:":
# - the embedding row and the target's probability are picked with microprop.take, so that the
#   token ids are data of the trace rather than constants of it;
# - softmax is microprop.softmax: microgpt's subtracts max(val.data), a number that a trace
#   would keep as it was when traced;
# - one document's loss is a function, doc_loss(tokens), of the tokens it reads (cut to
#   block_size + 1), compiled once per length of document; step_fn.accumulate adds its
#   gradients into .grad where microgpt calls loss.backward().
# run(docs, num_steps, compiled) returns the loss at each step; compiled=False runs the same
# port eagerly. traces, when given a list, receives the Compiled object.
#
# Copyright (c) 2026 Andrej Karpathy. The gist states no licence; this excerpt is kept only to
# test microprop against microgpt's code. See LICENSE.microgpt.md beside this file.
# ruff: noqa

import random

import microprop
from microprop import Value, take


def run(docs, num_steps=3, compiled=True, traces=None):
    random.seed(42)
    docs = list(docs)
    random.shuffle(docs)

    uchars = sorted(set(''.join(docs)))
    BOS = len(uchars)
    vocab_size = len(uchars) + 1

    n_layer = 1
    n_embd = 16
    block_size = 16
    n_head = 4
    head_dim = n_embd // n_head

    matrix = lambda nout, nin, std=0.08: [[Value(random.gauss(0, std)) for _ in range(nin)] for _ in range(nout)]

    state_dict = {'wte': matrix(vocab_size, n_embd), 'wpe': matrix(block_size, n_embd), 'lm_head': matrix(vocab_size, n_embd)}

    for i in range(n_layer):
        state_dict[f'layer{i}.attn_wq'] = matrix(n_embd, n_embd)
        state_dict[f'layer{i}.attn_wk'] = matrix(n_embd, n_embd)
        state_dict[f'layer{i}.attn_wv'] = matrix(n_embd, n_embd)
        state_dict[f'layer{i}.attn_wo'] = matrix(n_embd, n_embd)
        state_dict[f'layer{i}.mlp_fc1'] = matrix(4 * n_embd, n_embd)
        state_dict[f'layer{i}.mlp_fc2'] = matrix(n_embd, 4 * n_embd)

    params = [p for mat in state_dict.values() for row in mat for p in row]

    def linear(x, w):
        return [sum(wi * xi for wi, xi in zip(wo, x)) for wo in w]

    softmax = microprop.softmax  # microprop: no max(val.data), a constant of a trace

    def rmsnorm(x):
        ms = sum(xi * xi for xi in x) / len(x)
        scale = (ms + 1e-5) ** -0.5
        return [xi * scale for xi in x]

    def gpt(token_id, pos_id, keys, values):
        tok_emb = take(state_dict['wte'], token_id)  # microprop: the id is data
        pos_emb = state_dict['wpe'][pos_id]
        x = [t + p for t, p in zip(tok_emb, pos_emb)]
        x = rmsnorm(x)

        for li in range(n_layer):
            x_residual = x
            x = rmsnorm(x)
            q = linear(x, state_dict[f'layer{li}.attn_wq'])
            k = linear(x, state_dict[f'layer{li}.attn_wk'])
            v = linear(x, state_dict[f'layer{li}.attn_wv'])
            keys[li].append(k)
            values[li].append(v)

            x_attn = []
            for h in range(n_head):
                hs = h * head_dim
                q_h = q[hs:hs+head_dim]
                k_h = [ki[hs:hs+head_dim] for ki in keys[li]]
                v_h = [vi[hs:hs+head_dim] for vi in values[li]]
                attn_logits = [sum(q_h[j] * k_h[t][j] for j in range(head_dim)) / head_dim**0.5 for t in range(len(k_h))]
                attn_weights = softmax(attn_logits)
                head_out = [sum(attn_weights[t] * v_h[t][j] for t in range(len(v_h))) for j in range(head_dim)]
                x_attn.extend(head_out)

            x = linear(x_attn, state_dict[f'layer{li}.attn_wo'])
            x = [a + b for a, b in zip(x, x_residual)]

            x_residual = x
            x = rmsnorm(x)
            x = linear(x, state_dict[f'layer{li}.mlp_fc1'])
            x = [xi.relu() for xi in x]
            x = linear(x, state_dict[f'layer{li}.mlp_fc2'])
            x = [a + b for a, b in zip(x, x_residual)]

        logits = linear(x, state_dict['lm_head'])
        return logits

    learning_rate, beta1, beta2, eps_adam = 0.01, 0.85, 0.99, 1e-8
    m = [0.0] * len(params)
    v = [0.0] * len(params)

    def doc_loss(tokens):  # microprop: one document's loss, as a function of its tokens
        n = len(tokens) - 1
        keys, values = [[] for _ in range(n_layer)], [[] for _ in range(n_layer)]
        losses = []

        for pos_id in range(n):
            token_id, target_id = tokens[pos_id], tokens[pos_id + 1]
            logits = gpt(token_id, pos_id, keys, values)
            probs = softmax(logits)
            loss_t = -take(probs, target_id).log()  # microprop: the target is data
            losses.append(loss_t)

        loss = (1 / n) * sum(losses)
        return loss

    # microprop: traced once per length of document; the ints of argument 0 are data
    step_fn = microprop.compile(doc_loss, params, indices=(0,))
    if traces is not None:
        traces.append(step_fn)

    step_losses = []
    for step in range(num_steps):
        doc = docs[step % len(docs)]
        tokens = [BOS] + [uchars.index(ch) for ch in doc] + [BOS]
        n = min(block_size, len(tokens) - 1)
        tokens = tokens[:n + 1]  # microprop: the tokens the loss reads, so the length is n

        if compiled:
            loss_data = step_fn.accumulate([(tokens,)])
        else:
            loss = doc_loss(tokens)
            loss.backward()
            loss_data = loss.data

        lr_t = learning_rate * (1 - step / num_steps)

        for i, p in enumerate(params):
            m[i] = beta1 * m[i] + (1 - beta1) * p.grad
            v[i] = beta2 * v[i] + (1 - beta2) * p.grad ** 2
            m_hat = m[i] / (1 - beta1 ** (step + 1))
            v_hat = v[i] / (1 - beta2 ** (step + 1))
            p.data -= lr_t * m_hat / (v_hat ** 0.5 + eps_adam)
            p.grad = 0

        step_losses.append(loss_data)
    return step_losses
