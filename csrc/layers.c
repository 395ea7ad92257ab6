/* The layers of the net over blocks of rows (see layers.h): forward,
 * loss, backward, the pass over a range of rows that every public call
 * uses, and the optimizer's step.  The mathematics is docs/math.md.
 *
 * This file is compiled once per code path: layers_base.c, layers_avx2.c and
 * layers_avx512.c each choose an instruction set, name the table of entry
 * points (LAYERS_TABLE) and include it.  The code is the same, and so are its
 * results, bit for bit: the vector width changes how many rows go through an
 * instruction, never the order of an operation (numerics.h).
 */
#ifndef LAYERS_TABLE
#error "compile layers.c through layers_base.c, layers_avx2.c or layers_avx512.c"
#endif
#include "layers.h"

#include "activations.h"
#include "numerics.h"

/* Copy rows [r0, r0+n) of the data (through idx when given) into the block,
 * transposed: column by column, so each copy is one strided loop. */
static void gather(const double *src, int64_t cols, const int64_t *idx, int64_t r0, int n,
                   double *dst, int len)
{
    for (int64_t c = 0; c < cols; c++) {
        double *restrict out = dst + c * len;
        const double *restrict in = src + c;
        if (idx)
            for (int r = 0; r < n; r++)
                out[r] = in[idx[r0 + r] * cols];
        else
            for (int r = 0; r < n; r++)
                out[r] = in[(r0 + r) * cols];
    }
}

/* A single column read in order is already laid out as the block wants it:
 * the block reads it where it lies, and copies nothing. */
static const double *column(const double *src, int64_t cols, const int64_t *idx, int64_t r0,
                            int n, double *own, int len)
{
    if (cols == 1 && !idx)
        return src + r0;
    gather(src, cols, idx, r0, n, own, len);
    return own;
}

static void load(const tn_arch *a, const tn_data *data, const int64_t *idx, int64_t r0,
                 int n, block *b, int with_y)
{
    b->x = column(data->X, a->n_in, idx, r0, n, b->x_own, b->len);
    if (with_y)
        b->y = column(data->Y, a->n_out, idx, r0, n, b->y_own, b->len);
}

/* ---------------------------------------------------------------- layers */

/* out (n_out, len) = in (n_in, len) . W (n_in, n_out) + bias: each output
 * starts from its bias and adds the inputs' terms in input order. */
static void linear_forward(const double *restrict in, const double *W, const double *bias,
                           int n_in, int n_out, double *restrict out, int n, int len)
{
    for (int j = 0; j < n_out; j++) {
        double *restrict o = out + j * len;
        const double bj = bias[j], w0 = W[j];
        for (int r = 0; r < n; r++)
            o[r] = FMA(w0, in[r], bj);
    }
    for (int i = 1; i < n_in; i++) {
        const double *restrict x = in + i * len;
        for (int j = 0; j < n_out; j++) {
            double *restrict o = out + j * len;
            const double w = W[i * n_out + j];
            for (int r = 0; r < n; r++)
                o[r] = FMA(w, x[r], o[r]);
        }
    }
}

static void activation_forward(int g, const double *restrict z, double *restrict a, int n)
{
    switch (g) {
#define FORWARD_CASE(code, name)             \
    case code:                               \
        _Pragma("omp simd")                  \
        for (int r = 0; r < n; r++)          \
            a[r] = name##_value(z[r]);       \
        break;
        HIDDEN_ACTIVATIONS(FORWARD_CASE)
#undef FORWARD_CASE
    }
}

/* d = dL/dA becomes dL/dZ, from z or from a = g(z). */
static void activation_backward(int g, const double *restrict z, const double *restrict a,
                                double *restrict d, int n)
{
    switch (g) {
#define BACKWARD_CASE(code, name)                \
    case code:                                   \
        _Pragma("omp simd")                      \
        for (int r = 0; r < n; r++)              \
            d[r] = name##_backward(z[r], a[r], d[r]); \
        break;
        HIDDEN_ACTIVATIONS(BACKWARD_CASE)
#undef BACKWARD_CASE
    }
}

/* O = softmax(S) row by row, keeping each row's max and sum for the loss. */
static void softmax_forward(block *b, int k, int n)
{
    double *restrict mx = b->rmax, *restrict sum = b->rsum;
    for (int r = 0; r < n; r++) {
        mx[r] = b->s[r];
        sum[r] = 0.0;
    }
    for (int c = 1; c < k; c++) {
        const double *restrict s = b->s + c * b->len;
        for (int r = 0; r < n; r++)
            mx[r] = s[r] > mx[r] ? s[r] : mx[r];
    }
    for (int c = 0; c < k; c++) {
        const double *restrict s = b->s + c * b->len;
        double *restrict o = b->o + c * b->len;
#pragma omp simd
        for (int r = 0; r < n; r++) {
            o[r] = exp_neg(s[r] - mx[r]);
            sum[r] += o[r];
        }
    }
    for (int c = 0; c < k; c++) {
        double *restrict o = b->o + c * b->len;
        for (int r = 0; r < n; r++)
            o[r] /= sum[r];
    }
}

/* The hidden units' forward step, one function per hidden activation: for
 * each unit, over the block's rows, z = b1 + x . W1 (in input order), a = g(z),
 * and a's term of each output's sum s, so that z and a go from registers to
 * s without another pass over the block.  The caller starts s at b2. */
#define UNITS_FORWARD(code, name)                                                         \
    static void name##_units_forward(const tn_arch *a, const params *p, block *b, int n)  \
    {                                                                                     \
        int d = a->n_in, h = a->n_hidden, k = a->n_out, len = b->len;                     \
        for (int j = 0; j < h; j++) {                                                     \
            double *restrict z = b->z + j * len, *restrict act = b->a + j * len;          \
            double *restrict s0 = b->s;                                                   \
            const double *restrict x = b->x;                                              \
            const double bj = p->b1[j], w0 = p->W2[j * k];                                \
            for (int r = 0; r < n; r++)                                                   \
                z[r] = FMA(p->W1[j], x[r], bj);                                           \
            for (int i = 1; i < d; i++) {                                                 \
                const double *restrict xi = x + i * len;                                  \
                const double w = p->W1[i * h + j];                                        \
                for (int r = 0; r < n; r++)                                               \
                    z[r] = FMA(w, xi[r], z[r]);                                           \
            }                                                                             \
            _Pragma("omp simd")                                                           \
            for (int r = 0; r < n; r++) {                                                 \
                double ar = name##_value(z[r]);                                           \
                act[r] = ar;                                                              \
                s0[r] = FMA(w0, ar, s0[r]);                                               \
            }                                                                             \
            for (int c = 1; c < k; c++) {                                                 \
                double *restrict s = b->s + c * len;                                      \
                const double w = p->W2[j * k + c];                                        \
                for (int r = 0; r < n; r++)                                               \
                    s[r] = FMA(w, act[r], s[r]);                                          \
            }                                                                             \
        }                                                                                 \
    }
HIDDEN_ACTIVATIONS(UNITS_FORWARD)
#undef UNITS_FORWARD

/* Hidden layer and output of the n rows loaded in the block. */
static void forward(const tn_arch *a, const params *p, block *b, int n)
{
    int h = a->n_hidden, k = a->n_out;
    if (h) {
        for (int c = 0; c < k; c++)
            for (int r = 0; r < n; r++)
                b->s[c * b->len + r] = p->b2[c];
        switch (a->hidden) {
#define FORWARD_CASE(code, name)              \
    case code:                                \
        name##_units_forward(a, p, b, n);     \
        break;
            HIDDEN_ACTIVATIONS(FORWARD_CASE)
#undef FORWARD_CASE
        }
    } else {
        linear_forward(b->x, p->W2, p->b2, a->n_in, k, b->s, n, b->len);
    }
    if (a->output == TN_SOFTMAX)
        softmax_forward(b, k, n);
    else
        for (int c = 0; c < k; c++)
            activation_forward(a->output, b->s + c * b->len, b->o + c * b->len, n);
}

/* Sum over the block of the data loss (not yet divided by the batch size). */
static double loss_forward(const tn_arch *a, block *b, int n)
{
    int k = a->n_out;
    double total_loss = 0.0;
    if (a->loss == TN_SQUARED) {
        for (int c = 0; c < k; c++) {
            const double *restrict o = b->o + c * b->len, *restrict y = b->y + c * b->len;
            double *restrict e = b->ds + c * b->len;
            for (int r = 0; r < n; r++)
                e[r] = o[r] - y[r];
            total_loss += 0.5 * dot(e, e, n);
        }
    } else if (a->output == TN_SIGMOID) {
        for (int c = 0; c < k; c++) {
            const double *restrict s = b->s + c * b->len, *restrict y = b->y + c * b->len;
            double *restrict terms = b->ds + c * b->len;
#pragma omp simd
            for (int r = 0; r < n; r++)
                terms[r] = softplus(s[r]) - y[r] * s[r];
            total_loss += total(terms, n);
        }
    } else {
        /* softmax: -sum_c y_c log o_c = sum_c y_c (logsumexp(s) - s_c) */
        for (int r = 0; r < n; r++) {
            double lse = b->rmax[r] + log_pos(b->rsum[r]);
            for (int c = 0; c < k; c++)
                total_loss += b->y[c * b->len + r] * (lse - b->s[c * b->len + r]);
        }
    }
    return total_loss;
}

/* ds = dL/dS for the block, with the 1/batch factor. */
static void loss_backward(const tn_arch *a, block *b, int n, double inv_batch)
{
    int k = a->n_out;
    for (int c = 0; c < k; c++) {
        const double *restrict o = b->o + c * b->len, *restrict y = b->y + c * b->len;
        double *restrict ds = b->ds + c * b->len;
        for (int r = 0; r < n; r++)
            ds[r] = (o[r] - y[r]) * inv_batch;
    }
    if (a->loss == TN_CROSS_ENTROPY || a->output == TN_LINEAR)
        return;
    if (a->output == TN_SOFTMAX) {
        /* Jacobian of softmax: ds_c = o_c (g_c - sum_j g_j o_j) */
        double *restrict acc = b->rsum;
        for (int r = 0; r < n; r++)
            acc[r] = 0.0;
        for (int c = 0; c < k; c++) {
            const double *restrict o = b->o + c * b->len, *restrict ds = b->ds + c * b->len;
            for (int r = 0; r < n; r++)
                acc[r] = FMA(ds[r], o[r], acc[r]);
        }
        for (int c = 0; c < k; c++) {
            const double *restrict o = b->o + c * b->len;
            double *restrict ds = b->ds + c * b->len;
            for (int r = 0; r < n; r++)
                ds[r] = o[r] * (ds[r] - acc[r]);
        }
        return;
    }
    for (int c = 0; c < k; c++)
        activation_backward(a->output, b->s + c * b->len, b->o + c * b->len, b->ds + c * b->len, n);
}

/* With no hidden layer: adds the output layer's gradient over the inputs. */
static void single_layer_backward(const tn_arch *a, const grads *g, const block *b, int n)
{
    int d = a->n_in, k = a->n_out;
    for (int i = 0; i < d; i++)
        for (int c = 0; c < k; c++)
            g->W2[i * k + c] += dot(b->x + i * b->len, b->ds + c * b->len, n);
}

/* The hidden units' backward step, one function per hidden activation: for
 * each unit, over the block's rows, dL/dA from the outputs' ds, dz = dL/dZ
 * through g', and the unit's gradients (its W2 row, b1, its W1 column) summed
 * in LANES partial sums (numerics.h) as dz is made: one pass where the first
 * output and the first input are concerned, a dot product more for each other
 * output and input. */
#define UNITS_BACKWARD(code, name)                                                         \
    static void name##_units_backward(const tn_arch *a, const params *p, const grads *g,   \
                                      block *b, int n)                                     \
    {                                                                                      \
        int d = a->n_in, h = a->n_hidden, k = a->n_out, len = b->len;                      \
        for (int j = 0; j < h; j++) {                                                      \
            const double *restrict z = b->z + j * len, *restrict act = b->a + j * len;     \
            const double *restrict ds0 = b->ds, *restrict x0 = b->x;                       \
            double *restrict dz = b->dz + j * len;                                         \
            const double w0 = p->W2[j * k];                                                \
            if (k == 1) {                                                                  \
                _Pragma("omp simd")                                                        \
                for (int r = 0; r < n; r++)                                                \
                    dz[r] = name##_backward(z[r], act[r], w0 * ds0[r]);                    \
            } else {                                                                       \
                /* dL/dA: the outputs' w ds summed in output order, then g' */             \
                for (int r = 0; r < n; r++)                                                \
                    dz[r] = w0 * ds0[r];                                                   \
                for (int c = 1; c < k; c++) {                                              \
                    const double *restrict ds = b->ds + c * len;                           \
                    const double w = p->W2[j * k + c];                                     \
                    g->W2[j * k + c] += dot(act, ds, n);                                   \
                    for (int r = 0; r < n; r++)                                            \
                        dz[r] = FMA(w, ds[r], dz[r]);                                      \
                }                                                                          \
                _Pragma("omp simd")                                                        \
                for (int r = 0; r < n; r++)                                                \
                    dz[r] = name##_backward(z[r], act[r], dz[r]);                          \
            }                                                                              \
            double gw, gb, gx;                                                             \
            unit_sums(act, ds0, x0, dz, n, &gw, &gb, &gx);                                 \
            g->W2[j * k] += gw;                                                            \
            g->b1[j] += gb;                                                                \
            g->W1[j] += gx;                                                                \
            for (int i = 1; i < d; i++)                                                    \
                g->W1[i * h + j] += dot(b->x + i * len, dz, n);                            \
        }                                                                                  \
    }
HIDDEN_ACTIVATIONS(UNITS_BACKWARD)
#undef UNITS_BACKWARD

/* From ds: adds every layer's gradient to g. */
static void backward(const tn_arch *a, const params *p, const grads *g, block *b, int n)
{
    for (int c = 0; c < a->n_out; c++)
        g->b2[c] += total(b->ds + c * b->len, n);
    if (!a->n_hidden) {
        single_layer_backward(a, g, b, n);
        return;
    }
    switch (a->hidden) {
#define BACKWARD_CASE(code, name)                \
    case code:                                   \
        name##_units_backward(a, p, g, b, n);    \
        break;
        HIDDEN_ACTIVATIONS(BACKWARD_CASE)
#undef BACKWARD_CASE
    }
}

/* ---------------------------------------------------------------- optimizer */

/* One optimizer step, as torch.optim writes them (docs/math.md#optimizers);
 * g is the batch gradient, L2 included, and the state starts at 0:
 *   sgd       theta -= eta g
 *   momentum  m = mu m + g;  theta -= eta m
 *   nesterov  m = mu m + g;  theta -= eta (g + mu m)
 *   adam      m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 *             theta -= eta (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
 *   rmsprop   v = alpha v + (1-alpha) g^2;  theta -= eta g / (sqrt(v) + eps)
 * with t the step count from 1.  On the path's vectors: element by element,
 * the same bits on every path. */
static void update(const tn_hyper *hp, tn_state *st, double *restrict theta,
                   const double *restrict g, double *restrict m, double *restrict v,
                   int64_t P, double eta)
{
    st->step++;
    switch (hp->optimizer) {
    case TN_SGD:
        for (int64_t i = 0; i < P; i++)
            theta[i] -= eta * g[i];
        break;
    case TN_MOMENTUM:
        for (int64_t i = 0; i < P; i++) {
            m[i] = hp->momentum * m[i] + g[i];
            theta[i] -= eta * m[i];
        }
        break;
    case TN_NESTEROV:
        for (int64_t i = 0; i < P; i++) {
            m[i] = hp->momentum * m[i] + g[i];
            theta[i] -= eta * (g[i] + hp->momentum * m[i]);
        }
        break;
    case TN_ADAM: {
        double p1, p2;
        pow_whole_pair(hp->beta1, hp->beta2, st->step, &p1, &p2);
        double c1 = 1.0 - p1, c2 = 1.0 - p2;
        for (int64_t i = 0; i < P; i++) {
            m[i] = hp->beta1 * m[i] + (1.0 - hp->beta1) * g[i];
            v[i] = hp->beta2 * v[i] + (1.0 - hp->beta2) * g[i] * g[i];
            theta[i] -= eta * (m[i] / c1) / (sqrt(v[i] / c2) + hp->eps);
        }
        break;
    }
    case TN_RMSPROP:
        for (int64_t i = 0; i < P; i++) {
            v[i] = hp->alpha * v[i] + (1.0 - hp->alpha) * g[i] * g[i];
            theta[i] -= eta * g[i] / (sqrt(v[i]) + hp->eps);
        }
        break;
    }
}

/* Sum of the data loss over rows [r0, r0+n) of data (through idx when given),
 * not yet divided by the batch; when grad is given, adds to it the gradient of
 * that sum times inv_batch.  Row by row in blocks: one out-of-line code path
 * for every caller, so a loss computed alone and one computed beside a
 * gradient are the same bits. */
static double rows(const tn_arch *a, const double *theta, const tn_data *data,
                   const int64_t *idx, int64_t r0, int64_t n, double inv_batch, double *grad,
                   double *blockwork)
{
    params p = param_views(a, theta);
    block b = block_views(a, blockwork);
    double sum = 0.0;
    grads g = {0};
    if (grad)
        g = grad_views(a, grad);
    for (int64_t s = 0; s < n; s += b.len) {
        int m = block_rows(n, s, b.len);
        load(a, data, idx, r0 + s, m, &b, 1);
        forward(a, &p, &b, m);
        sum += loss_forward(a, &b, m);
        if (grad) {
            loss_backward(a, &b, m, inv_batch);
            backward(a, &p, &g, &b, m);
        }
    }
    return sum;
}

static void covariance(const block *b, int h, int n, double *cov)
{
    for (int i = 0; i < h; i++)
        for (int j = 0; j <= i; j++)
            cov[(int64_t)i * h + j] += dot(b->a + i * b->len, b->a + j * b->len, n);
}

/* ---------------------------------------------------------------- probes */


/* The machine's peak of fused multiply-adds: TN_PROBE_CHAINS independent
 * chains, 16 vectors of 8, enough to hide the FMA's latency on every port at
 * any width.  Vectors written out, so that the chains stay in registers; a
 * probe only, so the compiler may fuse here what it never fuses elsewhere. */
typedef double probe_vec __attribute__((vector_size(64)));
typedef double probe_load __attribute__((vector_size(64), aligned(8), may_alias));

__attribute__((optimize("fp-contract=fast")))
static void probe_fma(const double *restrict x, int64_t n, int64_t repeats, double *acc)
{
    probe_vec s[16], c = {0.999999, 0.999999, 0.999999, 0.999999,
                          0.999999, 0.999999, 0.999999, 0.999999};
    memcpy(s, acc, sizeof s);
    probe_vec s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3], s4 = s[4], s5 = s[5], s6 = s[6],
              s7 = s[7], s8 = s[8], s9 = s[9], s10 = s[10], s11 = s[11], s12 = s[12],
              s13 = s[13], s14 = s[14], s15 = s[15];
    for (int64_t r = 0; r < repeats; r++)
        for (int64_t i = 0; i < n; i += TN_PROBE_CHAINS) {
            const probe_load *v = (const probe_load *)(x + i);
            s0 = s0 * c + v[0], s1 = s1 * c + v[1], s2 = s2 * c + v[2], s3 = s3 * c + v[3];
            s4 = s4 * c + v[4], s5 = s5 * c + v[5], s6 = s6 * c + v[6], s7 = s7 * c + v[7];
            s8 = s8 * c + v[8], s9 = s9 * c + v[9], s10 = s10 * c + v[10];
            s11 = s11 * c + v[11], s12 = s12 * c + v[12], s13 = s13 * c + v[13];
            s14 = s14 * c + v[14], s15 = s15 * c + v[15];
        }
    probe_vec out[16] = {s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15};
    memcpy(acc, out, sizeof out);
}

/* The cheapest double sigmoid we know that keeps full precision, written apart
 * from the kernel's so that the bench's limit is not the kernel measuring
 * itself: e^-|z| as 2^k p(r) with p of degree 13 in Estrin's form (FMAs), no
 * clamp (the probe's inputs stay above -708), then one division. */
static inline double lean_sigmoid(double z)
{
    double x = -fabs(z);
    double kd = FMA(x, 0x1.71547652b82fep0, 0x1.8p52);
    uint64_t ki = bits_of(kd);
    kd -= 0x1.8p52;
    double r = FMA(-kd, 0x1.ef35793c76730p-45, FMA(-kd, 0x1.62e42fefa3800p-1, x));
    double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    double a = r + 1.0, b = FMA(r, 1.0 / 6.0, 0.5);
    double c = FMA(r, 1.0 / 120.0, 1.0 / 24.0), d = FMA(r, 1.0 / 5040.0, 1.0 / 720.0);
    double e = FMA(r, 1.0 / 362880.0, 1.0 / 40320.0);
    double f = FMA(r, 1.0 / 39916800.0, 1.0 / 3628800.0);
    double g = FMA(r, 1.0 / 6227020800.0, 1.0 / 479001600.0);
    double p = FMA(FMA(g, r4, FMA(f, r2, e)), r8, FMA(FMA(d, r2, c), r4, FMA(b, r2, a)));
    double ex = p * double_of((ki + 1023) << 52);
    double inv = 1.0 / (1.0 + ex);
    return z >= 0.0 ? inv : ex * inv;
}

/* out[i] = sigmoid(x[i] + r) for each repeat r: the kernel's, or the lean one. */
static void probe_sigmoid(const double *restrict x, double *restrict out, int64_t n,
                          int64_t repeats, int lean)
{
    for (int64_t r = 0; r < repeats; r++) {
        if (lean) {
#pragma omp simd
            for (int64_t i = 0; i < n; i++)
                out[i] = lean_sigmoid(x[i] + (double)r);
        } else {
#pragma omp simd
            for (int64_t i = 0; i < n; i++)
                out[i] = sigmoid(x[i] + (double)r);
        }
    }
}

const layer_kernels LAYERS_TABLE = {
    .load = load, .forward = forward, .rows = rows, .covariance = covariance, .update = update,
    .probe_sigmoid = probe_sigmoid, .probe_fma = probe_fma};
