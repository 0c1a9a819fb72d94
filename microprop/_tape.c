/* The tape machine: a trace of compile as flat instructions, run by a small interpreter.

   microprop/tape.py evaluates each node's rule (rules.py) in an arithmetic whose values are
   register numbers: each primitive of the arithmetic a rule calls (+, *, exp, relu's step, ...)
   appends one instruction, and the chain rule appends one per edge. This file knows those
   primitives and nothing of ops: an op added to rules.py runs here with no change.

   Each case computes what floats.py computes, with the same IEEE 754 operations in the same
   order (the build turns off contraction into fused multiply-adds), so the same bits. Where
   floats.py would need a decision (an overflow, a domain error, a NaN into logsumexp) the
   machine stops and says so: compile then replays that sample in eager microprop, which gives
   eager's result or eager's error. A comparison the trace made that comes out otherwise stops
   it too (the function takes another path).

   An instruction is four ints: opcode, output register, two operands. A variadic one
   (logsumexp, take by an index argument, and a chain of sums of products that tape.py writes as
   one instruction) reads its operands from the list ``aux``: its third
   int is where they start there, its fourth how many. Registers hold doubles; a slope that is
   a mask (floats.MASKED, a 0 that stays 0 times inf or NaN) is one NaN bit pattern that only
   the cases which read a possible mask look for. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define OPCODES(X) \
    X(ADD) X(SUB) X(MUL) X(DIV) X(NEG) X(MUL_MASKED) X(UNMASK) \
    X(EXP) X(LOG) X(SQRT) X(TANH) X(SIGMOID) X(RELU) X(STEP) X(LEAKY_RELU) X(LEAKY_STEP) \
    X(SIGN) X(ABS) X(RECIPROCAL) X(POW) X(POW_SLOPE) X(POW_LOG) X(ROOT) X(OVER) \
    X(LOGSUMEXP) X(SELECT) X(CHOSEN) X(IN_RANGE) \
    X(IS_LESS) X(IS_NOT_LESS) X(IS_AT_MOST) X(IS_NOT_AT_MOST) X(IS_TRUE) X(IS_FALSE) \
    X(IS_SAME) X(IS_INT) \
    X(GRAD_SET) X(GRAD_ADD) X(GRAD_SET_ONE) X(GRAD_ADD_ONE) X(GRAD_SET_MASKED) \
    X(GRAD_ADD_MASKED) X(DOT)

#define AS_ENUM(name) OP_##name,
#define AS_NAME(name) #name,
enum { OPCODES(AS_ENUM) N_OPCODES };
static const char *const opcode_names[] = { OPCODES(AS_NAME) };

enum { RAN = 0, EAGER = 1, OTHER_PATH = 2 };  /* how a sample ended */

static const uint64_t MASK_BITS = 0x7ff80000006d61f3ULL;  /* a quiet NaN no operation makes */

static inline int is_masked(double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u == MASK_BITS;
}

static inline double masked(void) {
    double x;
    memcpy(&x, &MASK_BITS, sizeof x);
    return x;
}

/* x ** n as CPython's float ** float computes it for a real result: a negative base to an
   integral power through its absolute value, the sign put back for an odd power. Returns 0 where
   Python would raise or give a non-finite number: eager microprop decides those. */
static int power(double x, double n, double *out) {
    if (!isfinite(x) || !isfinite(n))
        return 0;
    if (n == 0.0) {
        *out = 1.0;
        return 1;
    }
    if (x == 0.0) {
        if (n < 0.0)
            return 0;
        int odd = fmod(fabs(n), 2.0) == 1.0;
        *out = odd ? x : 0.0;  /* (-0.0) ** 3 is -0.0 */
        return 1;
    }
    int negate = 0;
    if (x < 0.0) {
        if (n != floor(n))
            return 0;
        negate = fmod(fabs(n), 2.0) == 1.0;
        x = -x;
    }
    double r = (x == 1.0) ? 1.0 : pow(x, n);
    if (!isfinite(r) || (r != 0.0 && fabs(r) < DBL_MIN))
        return 0;  /* Python raises OverflowError for an overflow, and may for a subnormal */
    *out = negate ? -r : r;
    return 1;
}

/* math.fsum of numbers that are finite and >= 0 (logsumexp's exp(x - max)): Shewchuk's exact
   partial sums, rounded once at the end, half to even, as CPython rounds them. */
static double exact_sum(const double *xs, Py_ssize_t count) {
    double small[64], *p = small;
    Py_ssize_t n = 0, room = 64;
    for (Py_ssize_t k = 0; k < count; k++) {
        double x = xs[k];
        Py_ssize_t i = 0;
        for (Py_ssize_t j = 0; j < n; j++) {
            double y = p[j];
            if (fabs(x) < fabs(y)) {
                double t = x;
                x = y;
                y = t;
            }
            double hi = x + y;
            double lo = y - (hi - x);
            if (lo != 0.0)
                p[i++] = lo;
            x = hi;
        }
        n = i;
        if (x != 0.0) {
            if (n == room) {  /* never for numbers in [0, 1]: about 40 partials at most */
                double *more = PyMem_RawMalloc(2 * room * sizeof *more);
                if (more == NULL) {
                    if (p != small)
                        PyMem_RawFree(p);
                    return NAN;
                }
                memcpy(more, p, n * sizeof *p);
                if (p != small)
                    PyMem_RawFree(p);
                p = more;
                room *= 2;
            }
            p[n++] = x;
        }
    }
    double hi = 0.0;
    if (n > 0) {
        double lo = 0.0;
        hi = p[--n];
        while (n > 0) {
            double x = hi, y = p[--n];
            hi = x + y;
            lo = y - (hi - x);
            if (lo != 0.0)
                break;
        }
        if (n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0))) {
            double y = lo * 2.0, x = hi + y;
            if (y == x - hi)
                hi = x;
        }
    }
    if (p != small)
        PyMem_RawFree(p);
    return hi;
}

/* floats.logsumexp where the largest input is finite and none is NaN; 0 elsewhere. The first
   largest, as Python's max takes it. */
static int logsumexp(double *r, const int *at, Py_ssize_t count, double *out) {
    double m = r[at[0]];
    for (Py_ssize_t k = 0; k < count; k++) {
        double x = r[at[k]];
        if (x != x)
            return 0;
        if (x > m)
            m = x;
    }
    if (!isfinite(m))
        return 0;
    double stack[64], *terms = count <= 64 ? stack : PyMem_RawMalloc(count * sizeof *terms);
    if (terms == NULL)
        return 0;
    for (Py_ssize_t k = 0; k < count; k++)
        terms[k] = exp(r[at[k]] - m);
    double total = log(exact_sum(terms, count));
    if (terms != stack)
        PyMem_RawFree(terms);
    if (total != total)
        return 0;
    *out = m + total;
    return 1;
}

/* One sample: the instructions in order over the registers. */
static int run_once(const int *code, Py_ssize_t n_code, const int *aux, double *r) {
    for (Py_ssize_t pc = 0; pc < n_code; pc += 4) {
        const int op = code[pc], o = code[pc + 1], a = code[pc + 2], b = code[pc + 3];
        double x, y;
        switch (op) {
        case OP_ADD: r[o] = r[a] + r[b]; break;
        case OP_SUB: r[o] = r[a] - r[b]; break;
        case OP_MUL: r[o] = r[a] * r[b]; break;
        case OP_DIV:
            if (r[b] == 0.0)
                return EAGER;
            r[o] = r[a] / r[b];
            break;
        case OP_NEG: r[o] = -r[a]; break;
        case OP_MUL_MASKED: r[o] = is_masked(r[a]) ? 0.0 : r[a] * r[b]; break;
        case OP_UNMASK: r[o] = is_masked(r[a]) ? 0.0 : r[a]; break;
        case OP_EXP:
            x = exp(r[a]);
            if (isinf(x))
                return EAGER;
            r[o] = x;
            break;
        case OP_LOG:
            if (!(r[a] > 0.0) || isinf(r[a]))
                return EAGER;
            r[o] = log(r[a]);
            break;
        case OP_SQRT:
        case OP_ROOT:
            if (r[a] < 0.0)
                return EAGER;
            r[o] = sqrt(r[a]);
            break;
        case OP_TANH: r[o] = tanh(r[a]); break;
        case OP_SIGMOID:
            x = r[a];
            if (x >= 0.0) {
                r[o] = 1.0 / (1.0 + exp(-x));
            } else {
                y = exp(x);
                r[o] = y / (1.0 + y);
            }
            break;
        case OP_RELU:
            x = r[a];
            r[o] = !(x <= 0.0) ? x : (x != 0.0 ? 0.0 : x);
            break;
        case OP_STEP: r[o] = !(r[a] <= 0.0) ? 1.0 : masked(); break;
        case OP_LEAKY_RELU: r[o] = r[a] > 0.0 ? r[a] : r[b] * r[a]; break;
        case OP_LEAKY_STEP: r[o] = r[a] > 0.0 ? 1.0 : r[b]; break;
        case OP_SIGN: x = r[a]; r[o] = x > 0.0 ? 1.0 : x < 0.0 ? -1.0 : 0.0; break;
        case OP_ABS: r[o] = fabs(r[a]); break;
        case OP_RECIPROCAL:
            x = 1.0 / r[a];
            if (!isfinite(x))
                return EAGER;
            r[o] = x;
            break;
        case OP_POW:
            if (!power(r[a], r[b], &x))
                return EAGER;
            r[o] = x;
            break;
        case OP_POW_SLOPE:
            if (r[b] == 0.0) {
                r[o] = masked();
                break;
            }
            if (!power(r[a], r[b] - 1.0, &x))
                return EAGER;
            r[o] = r[b] * x;
            break;
        case OP_POW_LOG:
            x = r[a];
            if (x != x || isinf(x))
                return EAGER;
            r[o] = x > 0.0 ? log(x) : x == 0.0 ? 0.0 : NAN;
            break;
        case OP_OVER:
            if (r[b] == 0.0 || !isfinite(r[a] / r[b]))
                return EAGER;
            r[o] = r[a] / r[b];
            break;
        case OP_DOT: {  /* c + a1 b1 + a2 b2 + ...: each product, then each sum, rounded */
            const int *at = aux + a;
            x = r[at[0]];
            for (Py_ssize_t k = 0; k < b; k++)
                x = x + r[at[1 + 2 * k]] * r[at[2 + 2 * k]];
            r[o] = x;
            break;
        }
        case OP_LOGSUMEXP:
            if (!logsumexp(r, aux + a, b, &x))
                return EAGER;
            r[o] = x;
            break;
        case OP_SELECT:
            x = r[aux[a]];
            if (!(x >= 0.0 && x < (double)b))
                return EAGER;
            r[o] = r[aux[a + 1 + (Py_ssize_t)x]];
            break;
        case OP_CHOSEN: r[o] = r[a] == (double)b ? 1.0 : masked(); break;
        case OP_IN_RANGE:
            if (!(r[a] >= 0.0 && r[a] < (double)b))
                return EAGER;
            break;
        case OP_IS_LESS: if (!(r[a] < r[b])) return OTHER_PATH; break;
        case OP_IS_NOT_LESS: if (r[a] < r[b]) return OTHER_PATH; break;
        case OP_IS_AT_MOST: if (!(r[a] <= r[b])) return OTHER_PATH; break;
        case OP_IS_NOT_AT_MOST: if (r[a] <= r[b]) return OTHER_PATH; break;
        case OP_IS_TRUE: if (r[a] == 0.0) return OTHER_PATH; break;
        case OP_IS_FALSE: if (r[a] != 0.0) return OTHER_PATH; break;
        case OP_IS_SAME:
            x = r[a];
            y = r[b];
            if (!(x == y && signbit(x) == signbit(y)) && !(x != x && y != y))
                return OTHER_PATH;
            break;
        case OP_IS_INT:
            if (!isfinite(r[a]))
                return EAGER;
            if (trunc(r[a]) != r[b])
                return OTHER_PATH;
            break;
        case OP_GRAD_SET: r[o] = 0.0 + r[a] * r[b]; break;
        case OP_GRAD_ADD: r[o] += r[a] * r[b]; break;
        case OP_GRAD_SET_ONE: r[o] = 0.0 + r[b]; break;
        case OP_GRAD_ADD_ONE: r[o] += r[b]; break;
        case OP_GRAD_SET_MASKED: r[o] = 0.0 + (is_masked(r[a]) ? 0.0 : r[a] * r[b]); break;
        case OP_GRAD_ADD_MASKED: r[o] += is_masked(r[a]) ? 0.0 : r[a] * r[b]; break;
        default: return EAGER;
        }
    }
    return RAN;
}

static int readable(PyObject *obj, Py_buffer *view, const char *format, const char *what) {
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return 0;
    if (strcmp(view->format, format) != 0) {
        PyErr_Format(PyExc_TypeError, "tape: %s: expected an array of format '%s', got '%s'",
                     what, format, view->format);
        PyBuffer_Release(view);
        return 0;
    }
    return 1;
}

static int fits(const int *code, Py_ssize_t n_code, Py_ssize_t n_aux, Py_ssize_t n_registers) {
    /* every register an instruction names exists; checked once per call, so that a tape made
       by hand cannot read or write outside the registers */
    for (Py_ssize_t pc = 0; pc < n_code; pc += 4) {
        int op = code[pc], o = code[pc + 1], a = code[pc + 2], b = code[pc + 3];
        if (op < 0 || op >= N_OPCODES || o < 0 || o >= n_registers)
            return 0;
        if (op == OP_LOGSUMEXP || op == OP_SELECT) {
            if (a < 0 || b < 1 || a > n_aux - b - (op == OP_SELECT))
                return 0;
            continue;
        }
        if (op == OP_DOT) {  /* aux[a]: the start; then b pairs */
            if (a < 0 || b < 1 || b > (n_aux - 1) / 2 || a > n_aux - 1 - 2 * (Py_ssize_t)b)
                return 0;
            continue;
        }
        int reads_b = op != OP_NEG && op != OP_UNMASK && op != OP_CHOSEN && op != OP_IN_RANGE
                      && !(op >= OP_EXP && op <= OP_STEP) && op != OP_SIGN && op != OP_ABS
                      && op != OP_RECIPROCAL && op != OP_POW_LOG && op != OP_ROOT
                      && op != OP_IS_TRUE && op != OP_IS_FALSE;
        if (a < 0 || a >= n_registers || (reads_b && (b < 0 || b >= n_registers)))
            return 0;
    }
    return 1;
}

static int aux_fits(const int *aux, Py_ssize_t n_aux, Py_ssize_t n_registers) {
    for (Py_ssize_t k = 0; k < n_aux; k++)
        if (aux[k] < 0 || aux[k] >= n_registers)
            return 0;
    return 1;
}

/* A tape's four arrays, read and checked once per call: every register an instruction, aux or
   gradient names exists, and so does the root. */
typedef struct {
    Py_buffer views[4];  /* code, aux, registers, grads */
    int held;
    const int *code, *aux, *grad_at;
    const double *registers;
    Py_ssize_t n_code, n_aux, n_registers, n_grads;
} Program;

static void program_release(Program *p) {
    while (p->held > 0)
        PyBuffer_Release(&p->views[--p->held]);
}

static int program_read(Program *p, PyObject *code, PyObject *aux, PyObject *registers,
                        PyObject *grads, Py_ssize_t root) {
    PyObject *objects[4] = {code, aux, registers, grads};
    const char *formats[4] = {"i", "i", "d", "i"}, *what[4] = {"code", "aux", "registers", "grads"};
    for (p->held = 0; p->held < 4; p->held++) {
        if (!readable(objects[p->held], &p->views[p->held], formats[p->held], what[p->held])) {
            program_release(p);
            return 0;
        }
    }
    p->code = p->views[0].buf, p->aux = p->views[1].buf, p->grad_at = p->views[3].buf;
    p->registers = p->views[2].buf;
    p->n_code = p->views[0].len / (Py_ssize_t)sizeof(int);
    p->n_aux = p->views[1].len / (Py_ssize_t)sizeof(int);
    p->n_registers = p->views[2].len / (Py_ssize_t)sizeof(double);
    p->n_grads = p->views[3].len / (Py_ssize_t)sizeof(int);
    int ok = p->n_code % 4 == 0 && root >= 0 && root < p->n_registers
             && fits(p->code, p->n_code, p->n_aux, p->n_registers)
             && aux_fits(p->aux, p->n_aux, p->n_registers);
    for (Py_ssize_t j = 0; ok && j < p->n_grads; j++)
        ok = p->grad_at[j] >= 0 && p->grad_at[j] < p->n_registers;
    if (!ok) {
        PyErr_SetString(PyExc_ValueError, "tape: the arrays do not fit together");
        program_release(p);
        return 0;
    }
    return 1;
}

/* run(code, aux, registers, leaves, rows, width, grads, root, G, start, picks=None)

   The samples of rows (width numbers each, from start on; or the rows numbered by picks, an
   array of int64, in its order) in turn: each copied into the registers after the leaves, the
   instructions run, the root register added to a total and each register named by grads added
   into G. Returns (how it ended, the sample it ended at, the total, the root's value at the last
   sample run): RAN at len(rows), or EAGER or OTHER_PATH at a sample that needs Python.
   registers holds the constants; it is copied, with the leaves' numbers put first, so that
   threads can share one tape. */
static PyObject *tape_run(PyObject *self, PyObject *args) {
    PyObject *code_obj, *aux_obj, *registers_obj, *leaves_obj, *rows_obj, *grads_obj, *g_obj;
    PyObject *picks_obj = Py_None;
    Py_ssize_t width, root, start;
    if (!PyArg_ParseTuple(args, "OOOOOnOnOn|O", &code_obj, &aux_obj, &registers_obj, &leaves_obj,
                          &rows_obj, &width, &grads_obj, &root, &g_obj, &start, &picks_obj))
        return NULL;
    Program p;
    if (!program_read(&p, code_obj, aux_obj, registers_obj, grads_obj, root))
        return NULL;
    Py_buffer leaves, rows, g, picks;
    int have = 0;
    PyObject *result = NULL;
    if (!readable(leaves_obj, &leaves, "d", "leaves")) goto done;
    have = 1;
    if (!readable(rows_obj, &rows, "d", "rows")) goto done;
    have = 2;
    if (PyObject_GetBuffer(g_obj, &g, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0)
        goto done;
    have = 3;
    if (picks_obj != Py_None) {
        if (!readable(picks_obj, &picks, "q", "picks")) goto done;
        have = 4;
    }
    Py_ssize_t first_input = leaves.len / sizeof(double);
    Py_ssize_t n_rows_numbers = rows.len / sizeof(double);
    if (strcmp(g.format, "d") != 0 || g.len / (Py_ssize_t)sizeof(double) != p.n_grads
        || width < 0 || first_input > p.n_registers || width > p.n_registers - first_input
        || start < 0 || (width ? n_rows_numbers % width : n_rows_numbers) != 0) {
        PyErr_SetString(PyExc_ValueError, "tape: the arrays do not fit together");
        goto done;
    }
    Py_ssize_t n_rows = width ? n_rows_numbers / width : 1;
    const long long *pick = have >= 4 ? picks.buf : NULL;
    Py_ssize_t n_samples = pick ? picks.len / (Py_ssize_t)sizeof(long long) : n_rows;
    for (Py_ssize_t j = 0; pick && j < n_samples; j++) {
        if (pick[j] < 0 || pick[j] >= n_rows) {
            PyErr_SetString(PyExc_IndexError, "tape: picks names a row that is not there");
            goto done;
        }
    }
    double *r = PyMem_Malloc((p.n_registers ? p.n_registers : 1) * sizeof *r);
    if (r == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    memcpy(r, p.registers, p.n_registers * sizeof *r);
    memcpy(r, leaves.buf, first_input * sizeof *r);
    double total = 0.0, last = 0.0, *G = g.buf;
    const double *row = rows.buf;
    int ended = RAN;
    Py_ssize_t k = start;
    Py_BEGIN_ALLOW_THREADS
    for (; k < n_samples; k++) {
        if (width)
            memcpy(r + first_input, row + (pick ? pick[k] : k) * width, width * sizeof *r);
        ended = run_once(p.code, p.n_code, p.aux, r);
        if (ended != RAN)
            break;
        last = r[root];
        total += last;
        for (Py_ssize_t j = 0; j < p.n_grads; j++)
            G[j] += r[p.grad_at[j]];
    }
    Py_END_ALLOW_THREADS
    PyMem_Free(r);
    result = Py_BuildValue("indd", ended, k, total, last);
done:
    if (have >= 4) PyBuffer_Release(&picks);
    if (have >= 3) PyBuffer_Release(&g);
    if (have >= 2) PyBuffer_Release(&rows);
    if (have >= 1) PyBuffer_Release(&leaves);
    program_release(&p);
    return result;
}

/* numbers, a list or tuple of floats or ints, into r; 0 with an exception set if one is not */
static int read_numbers(PyObject *numbers, double *r, Py_ssize_t n, const char *what) {
    PyObject *seq = PySequence_Fast(numbers, "tape: expected a list of numbers");
    if (seq == NULL)
        return 0;
    if (PySequence_Fast_GET_SIZE(seq) != n) {
        PyErr_Format(PyExc_ValueError, "tape: %s: expected %zd numbers, got %zd", what, n,
                     PySequence_Fast_GET_SIZE(seq));
        Py_DECREF(seq);
        return 0;
    }
    PyObject **items = PySequence_Fast_ITEMS(seq);
    for (Py_ssize_t k = 0; k < n; k++) {
        double x = PyFloat_AsDouble(items[k]);  /* a float, or an int (an index) */
        if (x == -1.0 && PyErr_Occurred()) {
            Py_DECREF(seq);
            return 0;
        }
        r[k] = x;
    }
    Py_DECREF(seq);
    return 1;
}

/* run_one(code, aux, registers, leaves, row, grads, root)

   One sample, its numbers given as lists (a compiled function's call): returns (how it ended,
   the root's value, the gradients as a tuple). */
static PyObject *tape_run_one(PyObject *self, PyObject *args) {
    PyObject *code_obj, *aux_obj, *registers_obj, *leaves_obj, *row_obj, *grads_obj;
    Py_ssize_t root;
    if (!PyArg_ParseTuple(args, "OOOOOOn", &code_obj, &aux_obj, &registers_obj, &leaves_obj,
                          &row_obj, &grads_obj, &root))
        return NULL;
    Program p;
    if (!program_read(&p, code_obj, aux_obj, registers_obj, grads_obj, root))
        return NULL;
    PyObject *result = NULL;
    double *r = NULL;
    Py_ssize_t n_leaves = PyObject_Length(leaves_obj), width = PyObject_Length(row_obj);
    if (n_leaves < 0 || width < 0)
        goto done;
    if (n_leaves > p.n_registers || width > p.n_registers - n_leaves) {
        PyErr_SetString(PyExc_ValueError, "tape: the arrays do not fit together");
        goto done;
    }
    r = PyMem_Malloc((p.n_registers ? p.n_registers : 1) * sizeof *r);
    if (r == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    memcpy(r, p.registers, p.n_registers * sizeof *r);
    if (!read_numbers(leaves_obj, r, n_leaves, "leaves")
        || !read_numbers(row_obj, r + n_leaves, width, "row"))
        goto done;
    int ended = run_once(p.code, p.n_code, p.aux, r);
    PyObject *out = PyTuple_New(p.n_grads);
    if (out == NULL)
        goto done;
    for (Py_ssize_t j = 0; j < p.n_grads; j++) {
        PyObject *grad = PyFloat_FromDouble(ended == RAN ? r[p.grad_at[j]] : 0.0);
        if (grad == NULL) {
            Py_DECREF(out);
            goto done;
        }
        PyTuple_SET_ITEM(out, j, grad);
    }
    result = Py_BuildValue("idN", ended, ended == RAN ? r[root] : 0.0, out);
done:
    PyMem_Free(r);
    program_release(&p);
    return result;
}

/* backward(kid_at, kids, slopes, wanted, passing, root, one, zero, free)

   The chain rule's instructions for a trace of n nodes in topological order, as tape.py's
   _backward wrote them in Python (which took as long as evaluating every rule): node k's inputs
   are kids[kid_at[k]:kid_at[k + 1]] (node numbers), each with its slope: a register, -1 for
   none (it passes nothing back), -2 for exactly 1, or -3 - register for a register that may
   hold a mask. wanted (0 or 1 per node) marks the parameters, passing the nodes a gradient
   goes through; one and zero are the constants' registers, free the first unused register.
   Returns (the instructions as bytes, each node's gradient register as bytes, -1 for none, the
   next unused register). Every node's gradient is complete before it is passed on, and each
   input's gradient is started (0.0 + ...) at its first edge and added to at the next ones, in
   the order eager backward() adds them. */
static PyObject *tape_backward(PyObject *self, PyObject *args) {
    PyObject *objects[5];
    Py_ssize_t root, one, zero, free_at;
    if (!PyArg_ParseTuple(args, "OOOOOnnnn", &objects[0], &objects[1], &objects[2], &objects[3],
                          &objects[4], &root, &one, &zero, &free_at))
        return NULL;
    const char *what[5] = {"kid_at", "kids", "slopes", "wanted", "passing"};
    Py_buffer views[5];
    int have = 0;
    PyObject *result = NULL;
    char *needs = NULL;
    int *grad = NULL, *code = NULL;
    for (; have < 5; have++)
        if (!readable(objects[have], &views[have], "i", what[have]))
            goto done;
    const int *kid_at = views[0].buf, *kids = views[1].buf, *slopes = views[2].buf;
    const int *wanted = views[3].buf, *passing = views[4].buf;
    Py_ssize_t n = views[3].len / (Py_ssize_t)sizeof(int);
    Py_ssize_t n_kids = views[1].len / (Py_ssize_t)sizeof(int);
    int fit = views[0].len / (Py_ssize_t)sizeof(int) == n + 1 && views[4].len == views[3].len
              && views[2].len == views[1].len && n > 0 && root >= 0 && root < n && one >= 0
              && one < free_at && zero >= 0 && zero < free_at && free_at < INT_MAX - n
              && kid_at[0] == 0 && kid_at[n] == n_kids;
    for (Py_ssize_t k = 0; fit && k < n; k++)
        fit = kid_at[k] <= kid_at[k + 1];
    for (Py_ssize_t e = 0; fit && e < n_kids; e++)
        fit = kids[e] >= 0 && kids[e] < n && slopes[e] >= -3 - free_at + 1 && slopes[e] < free_at;
    if (!fit) {
        PyErr_SetString(PyExc_ValueError, "tape: backward: the arrays do not fit together");
        goto done;
    }
    needs = PyMem_Calloc(n, 1);
    grad = PyMem_Malloc(n * sizeof *grad);
    code = PyMem_Malloc((4 * n_kids + 1) * sizeof *code);
    if (needs == NULL || grad == NULL || code == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        needs[k] = wanted[k] != 0;
        for (int e = kid_at[k]; !needs[k] && passing[k] && e < kid_at[k + 1]; e++)
            needs[k] = needs[kids[e]];
        grad[k] = -1;
    }
    grad[root] = (int)one;  /* δ of the output: dL/dL */
    Py_ssize_t m = 0, next = free_at;
    for (Py_ssize_t k = n - 1; k >= 0; k--) {
        if (kid_at[k] == kid_at[k + 1] || !needs[k] || grad[k] < 0)
            continue;
        int g = grad[k];
        for (int e = kid_at[k]; e < kid_at[k + 1]; e++) {
            int c = kids[e], d = slopes[e];
            if (!needs[c])
                continue;
            int first = grad[c] < 0;
            if (first)
                grad[c] = (int)next++;
            int op, a = d, b = g;
            if (d == -1) {  /* passes back nothing: the gradient only starts */
                if (!first)
                    continue;
                op = OP_GRAD_SET_ONE, a = (int)zero, b = (int)zero;
            } else if (d == -2) {
                op = first ? OP_GRAD_SET_ONE : OP_GRAD_ADD_ONE, a = g;
            } else if (d <= -3) {
                op = first ? OP_GRAD_SET_MASKED : OP_GRAD_ADD_MASKED, a = -3 - d;
            } else {
                op = first ? OP_GRAD_SET : OP_GRAD_ADD;
            }
            code[m++] = op, code[m++] = grad[c], code[m++] = a, code[m++] = b;
        }
    }
    result = Py_BuildValue("y#y#n", (const char *)code, (Py_ssize_t)(m * sizeof *code),
                           (const char *)grad, (Py_ssize_t)(n * sizeof *grad), next);
done:
    PyMem_Free(needs);
    PyMem_Free(grad);
    PyMem_Free(code);
    while (have > 0)
        PyBuffer_Release(&views[--have]);
    return result;
}

static PyMethodDef methods[] = {
    {"backward", tape_backward, METH_VARARGS, "The chain rule's instructions (tape.py)."},
    {"run", tape_run, METH_VARARGS, "Run a tape over samples (see microprop/tape.py)."},
    {"run_one", tape_run_one, METH_VARARGS, "Run a tape on one sample given as lists."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "microprop._tape",
    "The tape machine: compile's traces as flat instructions (microprop/tape.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__tape(void) {
    PyObject *m = PyModule_Create(&module);
    if (m == NULL)
        return NULL;
    PyObject *names = PyTuple_New(N_OPCODES);
    if (names == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    for (int k = 0; k < N_OPCODES; k++) {
        PyObject *s = PyUnicode_FromString(opcode_names[k]);
        if (s == NULL) {
            Py_DECREF(names);
            Py_DECREF(m);
            return NULL;
        }
        PyTuple_SET_ITEM(names, k, s);
    }
    if (PyModule_AddObject(m, "OPCODES", names) < 0) {
        Py_DECREF(names);
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddIntConstant(m, "RAN", RAN) < 0 || PyModule_AddIntConstant(m, "EAGER", EAGER) < 0
        || PyModule_AddIntConstant(m, "OTHER_PATH", OTHER_PATH) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
