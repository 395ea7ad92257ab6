/* tuinn kernel: forward, backward and update loop of a one-hidden-layer net.
 * The mathematics it follows is docs/math.md.
 *
 * Rows are processed in blocks of BLK, stored transposed (feature-major), so
 * the innermost loops run over the rows of a block: contiguous, branch-free,
 * and vectorized by the compiler.  Scratch memory is a fixed number of doubles
 * (tn_work_count) whatever the number of rows.
 *
 * Sums over rows carry `omp simd reduction` so they vectorize without letting
 * the compiler reassociate anything else (-fopenmp-simd, no -ffast-math: the
 * divergence check must see NaN and Inf).
 */
#include "tuinn.h"

#include <math.h>
#include <string.h>

#define BLK 256

/* Slope of leaky_relu for z <= 0. */
#define LEAKY_SLOPE 0.01
/* The adaptive schedule (after scikit-learn): after ADAPTIVE_PATIENCE epochs
 * without a gain of tol, the rate is divided by ADAPTIVE_CUT. */
#define ADAPTIVE_CUT 5.0
#define ADAPTIVE_PATIENCE 2
/* exp_neg clamps its argument here: exp(-708) ~ 3e-308 is still a normal double. */
#define EXP_FLOOR (-708.0)
/* -ln(2)/2: above it, e^x - 1 comes from the series itself (no cancellation). */
#define EXPM1_SERIES_LIMIT (-0.34657359027997264)

static const char *const messages[] = {
    "ok",
    "a required buffer is missing",
    "sizes must be >= 1 and activation / loss codes known",
    "cross_entropy needs a sigmoid or softmax output",
    "a data set has no rows",
    "unknown optimizer or schedule, or a hyperparameter out of range",
    "diverged: the loss or a weight became NaN/Inf; the last finite weights were put back",
};

const char *tn_strerror(int status)
{
    if (status < 0 || status > TN_DIVERGED)
        return "unknown status";
    return messages[status];
}

int tn_check_arch(const tn_arch *a)
{
    if (!a)
        return TN_ENULL;
    if (a->n_in < 1 || a->n_hidden < 1 || a->n_out < 1)
        return TN_EARCH;
    if (a->hidden < TN_LINEAR || a->hidden > TN_LEAKY_RELU)
        return TN_EARCH;
    if (a->output != TN_LINEAR && a->output != TN_SIGMOID && a->output != TN_TANH &&
        a->output != TN_SOFTMAX)
        return TN_EARCH;
    if (a->loss != TN_SQUARED && a->loss != TN_CROSS_ENTROPY)
        return TN_EARCH;
    if (a->loss == TN_CROSS_ENTROPY && a->output != TN_SIGMOID && a->output != TN_SOFTMAX)
        return TN_EPAIR;
    return TN_OK;
}

/* Where each parameter array starts in theta (and in a gradient, which has
 * theta's layout): [W1 (d*h, row-major) | b1 (h) | W2 (h*k) | b2 (k)]. */
typedef struct {
    int64_t W1, b1, W2, b2, count;
} layout;

static layout layout_of(const tn_arch *a)
{
    int64_t d = a->n_in, h = a->n_hidden, k = a->n_out;
    layout l;
    l.W1 = 0;
    l.b1 = l.W1 + d * h;
    l.W2 = l.b1 + h;
    l.b2 = l.W2 + h * k;
    l.count = l.b2 + k;
    return l;
}

int64_t tn_param_count(const tn_arch *a)
{
    return layout_of(a).count;
}

int64_t tn_opt_state_count(const tn_arch *a)
{
    return 2 * tn_param_count(a);
}

/* ---------------------------------------------------------------- math */

static inline uint64_t bits_of(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static inline double double_of(uint64_t u)
{
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* Bit test rather than isfinite(): immune to -ffinite-math-only. */
static inline int is_finite(double x)
{
    return (bits_of(x) & 0x7ff0000000000000ULL) != 0x7ff0000000000000ULL;
}

/* (e^x - 1) / x by its Taylor series: sum of x^i / (i+1)! for i = 0..12.
 * Truncation < 1e-17 for |x| <= ln2/2, where both callers use it. */
static inline double exp_series(double x)
{
    double p = 1.0 / 6227020800.0;
    p = p * x + 1.0 / 479001600.0;
    p = p * x + 1.0 / 39916800.0;
    p = p * x + 1.0 / 3628800.0;
    p = p * x + 1.0 / 362880.0;
    p = p * x + 1.0 / 40320.0;
    p = p * x + 1.0 / 5040.0;
    p = p * x + 1.0 / 720.0;
    p = p * x + 1.0 / 120.0;
    p = p * x + 1.0 / 24.0;
    p = p * x + 1.0 / 6.0;
    p = p * x + 0.5;
    return p * x + 1.0;
}

/* exp(x) for x <= 0, written so the compiler vectorizes it (libm's exp is a
 * call it cannot).  x = n ln2 + r with |r| <= ln2/2, exp(r) = 1 + r * series,
 * 2^n built in the exponent bits.  Below EXP_FLOOR the result is clamped:
 * every caller adds it to 1 or to a value >= 1, where the difference from 0
 * vanishes. */
static inline double exp_neg(double x)
{
    const double shift = 0x1.8p52, inv_ln2 = 0x1.71547652b82fep0;
    const double ln2_hi = 0x1.62e42fefa3800p-1, ln2_lo = 0x1.ef35793c76730p-45;
    x = x < EXP_FLOOR ? EXP_FLOOR : x;
    double kd = x * inv_ln2 + shift;
    uint64_t ki = bits_of(kd);
    kd -= shift;
    double r = x - kd * ln2_hi - kd * ln2_lo;
    return (exp_series(r) * r + 1.0) * double_of((ki + 1023) << 52);
}

/* e^x - 1 for x <= 0 without the cancellation of exp(x) - 1 near 0. */
static inline double expm1_neg(double x)
{
    double small = exp_series(x) * x;
    double big = exp_neg(x) - 1.0;
    return x > EXPM1_SERIES_LIMIT ? small : big;
}

/* tanh through expm1 so it vectorizes like sigmoid: tanh|z| = -u / (2 + u),
 * u = e^(-2|z|) - 1. */
static inline double tanh_v(double z)
{
    double u = expm1_neg(-2.0 * fabs(z));
    double t = -u / (2.0 + u);
    return z < 0.0 ? -t : t;
}

static inline double sigmoid(double z)
{
    double e = exp_neg(-fabs(z));
    double inv = 1.0 / (1.0 + e);
    return z >= 0.0 ? inv : e * inv;
}

/* log(1 + e^s) without overflow. */
static inline double softplus(double s)
{
    return (s > 0.0 ? s : 0.0) + log1p(exp_neg(-fabs(s)));
}

static inline double derivative(int g, double z, double a)
{
    switch (g) {
    case TN_SIGMOID:
        return a * (1.0 - a);
    case TN_TANH:
        return 1.0 - a * a;
    case TN_RELU:
        return z > 0.0 ? 1.0 : 0.0;
    case TN_LEAKY_RELU:
        return z > 0.0 ? 1.0 : LEAKY_SLOPE;
    default:
        return 1.0;
    }
}

static double dot(const double *restrict x, const double *restrict y, int n)
{
    double s = 0.0;
#pragma omp simd reduction(+ : s)
    for (int r = 0; r < n; r++)
        s += x[r] * y[r];
    return s;
}

static double total(const double *restrict x, int n)
{
    double s = 0.0;
#pragma omp simd reduction(+ : s)
    for (int r = 0; r < n; r++)
        s += x[r];
    return s;
}

/* ---------------------------------------------------------------- blocks */

/* Scratch for BLK rows, feature-major: row r of a (c, BLK) buffer's column c
 * is at [c * BLK + r].  d, h, k: inputs, hidden units, outputs. */
typedef struct {
    double *x;      /* (d, BLK)  inputs */
    double *y;      /* (k, BLK)  targets */
    double *z;      /* (h, BLK)  hidden pre-activations Z = X W1 + b1 */
    double *a;      /* (h, BLK)  hidden activations A = g(Z) */
    double *s;      /* (k, BLK)  output pre-activations S = A W2 + b2 */
    double *o;      /* (k, BLK)  outputs O = out(S) */
    double *ds;     /* (k, BLK)  dL/dS */
    double *dz;     /* (h, BLK)  dL/dZ */
    double *rmax;   /* (BLK)     softmax: the row's largest S */
    double *rsum;   /* (BLK)     softmax: the row's sum of e^(S - max); scratch of its Jacobian */
} block;

/* Block buffers: x (d rows), y, s, o, ds (k rows each), z, a, dz (h rows each),
 * rmax and rsum. */
static int64_t block_count(const tn_arch *a)
{
    return (int64_t)BLK * (a->n_in + 4 * a->n_out + 3 * a->n_hidden + 2);
}

/* grad, snapshot of theta, snapshot of the optimizer state, then the blocks. */
int64_t tn_work_count(const tn_arch *a)
{
    return 4 * tn_param_count(a) + block_count(a);
}

static block block_views(const tn_arch *a, double *w)
{
    block b;
    int64_t d = a->n_in, h = a->n_hidden, k = a->n_out;
    b.x = w;
    b.y = b.x + d * BLK;
    b.s = b.y + k * BLK;
    b.o = b.s + k * BLK;
    b.ds = b.o + k * BLK;
    b.z = b.ds + k * BLK;
    b.a = b.z + h * BLK;
    b.dz = b.a + h * BLK;
    b.rmax = b.dz + h * BLK;
    b.rsum = b.rmax + BLK;
    return b;
}

/* The rows of the block that starts at row `start` of n. */
static inline int block_rows(int64_t n, int64_t start)
{
    return (int)(n - start < BLK ? n - start : BLK);
}

typedef struct {
    const double *W1, *b1, *W2, *b2;
} params;

typedef struct {
    double *W1, *b1, *W2, *b2;
} grads;

static params param_views(const tn_arch *a, const double *theta)
{
    layout l = layout_of(a);
    params p = {theta + l.W1, theta + l.b1, theta + l.W2, theta + l.b2};
    return p;
}

/* A gradient has theta's layout. */
static grads grad_views(const tn_arch *a, double *grad)
{
    layout l = layout_of(a);
    grads g = {grad + l.W1, grad + l.b1, grad + l.W2, grad + l.b2};
    return g;
}

/* Copy rows [r0, r0+n) of the data (through idx when given) into the block,
 * transposed: column by column, so each copy is one strided loop. */
static void gather(const double *src, int64_t cols, const int64_t *idx, int64_t r0, int n,
                   double *dst)
{
    for (int64_t c = 0; c < cols; c++) {
        double *restrict out = dst + c * BLK;
        const double *restrict in = src + c;
        if (idx)
            for (int r = 0; r < n; r++)
                out[r] = in[idx[r0 + r] * cols];
        else
            for (int r = 0; r < n; r++)
                out[r] = in[(r0 + r) * cols];
    }
}

static void load(const tn_arch *a, const tn_data *data, const int64_t *idx, int64_t r0,
                 int n, block *b, int with_y)
{
    gather(data->X, a->n_in, idx, r0, n, b->x);
    if (with_y)
        gather(data->Y, a->n_out, idx, r0, n, b->y);
}

/* ---------------------------------------------------------------- layers */

/* out (n_out, BLK) = in (n_in, BLK) . W (n_in, n_out) + bias: each output
 * starts from its bias and adds the inputs' terms in input order. */
static void linear_forward(const double *restrict in, const double *W, const double *bias,
                           int n_in, int n_out, double *restrict out, int n)
{
    for (int j = 0; j < n_out; j++) {
        double *restrict o = out + j * BLK;
        const double bj = bias[j], w0 = W[j];
        for (int r = 0; r < n; r++)
            o[r] = bj + w0 * in[r];
    }
    for (int i = 1; i < n_in; i++) {
        const double *restrict x = in + i * BLK;
        for (int j = 0; j < n_out; j++) {
            double *restrict o = out + j * BLK;
            const double w = W[i * n_out + j];
            for (int r = 0; r < n; r++)
                o[r] += w * x[r];
        }
    }
}

static void activation_forward(int g, const double *restrict z, double *restrict a, int n)
{
    switch (g) {
    case TN_LINEAR:
        memcpy(a, z, (size_t)n * sizeof *a);
        break;
    case TN_SIGMOID:
#pragma omp simd
        for (int r = 0; r < n; r++)
            a[r] = sigmoid(z[r]);
        break;
    case TN_TANH:
#pragma omp simd
        for (int r = 0; r < n; r++)
            a[r] = tanh_v(z[r]);
        break;
    case TN_RELU:
#pragma omp simd
        for (int r = 0; r < n; r++)
            a[r] = z[r] > 0.0 ? z[r] : 0.0;
        break;
    case TN_LEAKY_RELU:
#pragma omp simd
        for (int r = 0; r < n; r++)
            a[r] = z[r] > 0.0 ? z[r] : LEAKY_SLOPE * z[r];
        break;
    }
}

/* d[r] *= g'(z[r]), from z or from a = g(z); at z = 0 relu takes the left slope. */
static void activation_backward(int g, const double *restrict z, const double *restrict a,
                                double *restrict d, int n)
{
    switch (g) {
    case TN_SIGMOID:
#pragma omp simd
        for (int r = 0; r < n; r++)
            d[r] *= a[r] * (1.0 - a[r]);
        break;
    case TN_TANH:
#pragma omp simd
        for (int r = 0; r < n; r++)
            d[r] *= 1.0 - a[r] * a[r];
        break;
    case TN_RELU:
#pragma omp simd
        for (int r = 0; r < n; r++)
            d[r] = z[r] > 0.0 ? d[r] : 0.0;
        break;
    case TN_LEAKY_RELU:
#pragma omp simd
        for (int r = 0; r < n; r++)
            d[r] = z[r] > 0.0 ? d[r] : LEAKY_SLOPE * d[r];
        break;
    default:
        break;
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
        const double *restrict s = b->s + c * BLK;
        for (int r = 0; r < n; r++)
            mx[r] = s[r] > mx[r] ? s[r] : mx[r];
    }
    for (int c = 0; c < k; c++) {
        const double *restrict s = b->s + c * BLK;
        double *restrict o = b->o + c * BLK;
#pragma omp simd
        for (int r = 0; r < n; r++) {
            o[r] = exp_neg(s[r] - mx[r]);
            sum[r] += o[r];
        }
    }
    for (int c = 0; c < k; c++) {
        double *restrict o = b->o + c * BLK;
        for (int r = 0; r < n; r++)
            o[r] /= sum[r];
    }
}

/* Hidden layer and output of the n rows loaded in the block. */
static void forward(const tn_arch *a, const params *p, block *b, int n)
{
    int h = a->n_hidden, k = a->n_out;
    linear_forward(b->x, p->W1, p->b1, a->n_in, h, b->z, n);
    for (int j = 0; j < h; j++)
        activation_forward(a->hidden, b->z + j * BLK, b->a + j * BLK, n);
    linear_forward(b->a, p->W2, p->b2, h, k, b->s, n);
    if (a->output == TN_SOFTMAX)
        softmax_forward(b, k, n);
    else
        for (int c = 0; c < k; c++)
            activation_forward(a->output, b->s + c * BLK, b->o + c * BLK, n);
}

/* Sum over the block of the data loss (not yet divided by the batch size). */
static double loss_forward(const tn_arch *a, const block *b, int n)
{
    int k = a->n_out;
    double total_loss = 0.0;
    if (a->loss == TN_SQUARED) {
        for (int c = 0; c < k; c++) {
            const double *restrict o = b->o + c * BLK, *restrict y = b->y + c * BLK;
            double s = 0.0;
#pragma omp simd reduction(+ : s)
            for (int r = 0; r < n; r++)
                s += (o[r] - y[r]) * (o[r] - y[r]);
            total_loss += 0.5 * s;
        }
    } else if (a->output == TN_SIGMOID) {
        for (int c = 0; c < k; c++) {
            const double *s = b->s + c * BLK, *y = b->y + c * BLK;
            double acc = 0.0;
            for (int r = 0; r < n; r++)
                acc += softplus(s[r]) - y[r] * s[r];
            total_loss += acc;
        }
    } else {
        /* softmax: -sum_c y_c log o_c = sum_c y_c (logsumexp(s) - s_c) */
        for (int r = 0; r < n; r++) {
            double lse = b->rmax[r] + log(b->rsum[r]);
            for (int c = 0; c < k; c++)
                total_loss += b->y[c * BLK + r] * (lse - b->s[c * BLK + r]);
        }
    }
    return total_loss;
}

/* ds = dL/dS for the block, with the 1/batch factor. */
static void loss_backward(const tn_arch *a, block *b, int n, double inv_batch)
{
    int k = a->n_out;
    for (int c = 0; c < k; c++) {
        const double *restrict o = b->o + c * BLK, *restrict y = b->y + c * BLK;
        double *restrict ds = b->ds + c * BLK;
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
            const double *restrict o = b->o + c * BLK, *restrict ds = b->ds + c * BLK;
            for (int r = 0; r < n; r++)
                acc[r] += ds[r] * o[r];
        }
        for (int c = 0; c < k; c++) {
            const double *restrict o = b->o + c * BLK;
            double *restrict ds = b->ds + c * BLK;
            for (int r = 0; r < n; r++)
                ds[r] = o[r] * (ds[r] - acc[r]);
        }
        return;
    }
    for (int c = 0; c < k; c++)
        activation_backward(a->output, b->s + c * BLK, b->o + c * BLK, b->ds + c * BLK, n);
}

/* From ds: adds the output layer's gradient to gW2, gb2 and writes dz = dL/dZ
 * (through g').  The first output is fused with dz's first term: k = 1 is the
 * common case. */
static void output_layer_backward(const tn_arch *a, const params *p, const grads *g,
                                  block *b, int n)
{
    int h = a->n_hidden, k = a->n_out;
    for (int c = 0; c < k; c++)
        g->b2[c] += total(b->ds + c * BLK, n);
    for (int j = 0; j < h; j++) {
        const double *restrict act = b->a + j * BLK, *restrict ds0 = b->ds;
        double *restrict dz = b->dz + j * BLK;
        const double w0 = p->W2[j * k];
        double g0 = 0.0;
#pragma omp simd reduction(+ : g0)
        for (int r = 0; r < n; r++) {
            g0 += act[r] * ds0[r];
            dz[r] = w0 * ds0[r];
        }
        g->W2[j * k] += g0;
        for (int c = 1; c < k; c++) {
            const double *restrict ds = b->ds + c * BLK;
            const double w = p->W2[j * k + c];
            double gc = 0.0;
#pragma omp simd reduction(+ : gc)
            for (int r = 0; r < n; r++) {
                gc += act[r] * ds[r];
                dz[r] += w * ds[r];
            }
            g->W2[j * k + c] += gc;
        }
        activation_backward(a->hidden, b->z + j * BLK, act, dz, n);
    }
}

/* From dz: adds the hidden layer's gradient to gW1, gb1. */
static void hidden_layer_backward(const tn_arch *a, const grads *g, const block *b, int n)
{
    int d = a->n_in, h = a->n_hidden;
    for (int j = 0; j < h; j++) {
        const double *restrict dz = b->dz + j * BLK, *restrict x0 = b->x;
        double g0 = 0.0, gb = 0.0;
#pragma omp simd reduction(+ : g0, gb)
        for (int r = 0; r < n; r++) {
            g0 += x0[r] * dz[r];
            gb += dz[r];
        }
        g->W1[j] += g0;
        g->b1[j] += gb;
        for (int i = 1; i < d; i++)
            g->W1[i * h + j] += dot(b->x + i * BLK, dz, n);
    }
}

/* (l2/2)(sum W1^2 + sum W2^2): the biases are not penalized. */
static double l2_penalty(const tn_arch *a, const params *p, double l2)
{
    if (l2 == 0.0)
        return 0.0;
    int64_t n1 = (int64_t)a->n_in * a->n_hidden, n2 = (int64_t)a->n_hidden * a->n_out;
    double s = 0.0;
    for (int64_t i = 0; i < n1; i++)
        s += p->W1[i] * p->W1[i];
    for (int64_t i = 0; i < n2; i++)
        s += p->W2[i] * p->W2[i];
    return 0.5 * l2 * s;
}

static void l2_backward(const tn_arch *a, const params *p, const grads *g, double l2)
{
    int64_t n1 = (int64_t)a->n_in * a->n_hidden, n2 = (int64_t)a->n_hidden * a->n_out;
    for (int64_t i = 0; i < n1; i++)
        g->W1[i] += l2 * p->W1[i];
    for (int64_t i = 0; i < n2; i++)
        g->W2[i] += l2 * p->W2[i];
}

/* Objective (and, when grad is given, its gradient) over rows [r0, r0+n) of
 * data, through idx when given.  One out-of-line code path for every caller,
 * so a loss computed alone and one computed beside a gradient are the same
 * bits (chunked training must match one long call exactly). */
__attribute__((noinline)) static double pass(const tn_arch *a, const double *theta,
                                             const tn_data *data, const int64_t *idx,
                                             int64_t r0, int64_t n, double l2, double *grad,
                                             double *blockwork)
{
    params p = param_views(a, theta);
    block b = block_views(a, blockwork);
    double inv = 1.0 / (double)n, sum = 0.0;
    grads g = {0};
    if (grad) {
        memset(grad, 0, (size_t)tn_param_count(a) * sizeof *grad);
        g = grad_views(a, grad);
    }
    for (int64_t s = 0; s < n; s += BLK) {
        int m = block_rows(n, s);
        load(a, data, idx, r0 + s, m, &b, 1);
        forward(a, &p, &b, m);
        sum += loss_forward(a, &b, m);
        if (grad) {
            loss_backward(a, &b, m, inv);
            output_layer_backward(a, &p, &g, &b, m);
            hidden_layer_backward(a, &g, &b, m);
        }
    }
    if (grad && l2 != 0.0)
        l2_backward(a, &p, &g, l2);
    return sum / (double)n + l2_penalty(a, &p, l2);
}

/* ---------------------------------------------------------------- public: evaluation */

static int check_data(const tn_arch *a, const tn_data *data, int need_y)
{
    int st = tn_check_arch(a);
    if (st)
        return st;
    if (!data || !data->X || (need_y && !data->Y))
        return TN_ENULL;
    if (data->n < 1)
        return TN_EDATA;
    return TN_OK;
}

int tn_predict(const tn_arch *a, const double *theta, const tn_data *data, double *out,
               double *hidden_out, double *work)
{
    int st = check_data(a, data, 0);
    if (st)
        return st;
    if (!theta || !out || !work)
        return TN_ENULL;
    params p = param_views(a, theta);
    block b = block_views(a, work);
    int h = a->n_hidden, k = a->n_out;
    for (int64_t s = 0; s < data->n; s += BLK) {
        int m = block_rows(data->n, s);
        load(a, data, NULL, s, m, &b, 0);
        forward(a, &p, &b, m);
        for (int r = 0; r < m; r++) {
            for (int c = 0; c < k; c++)
                out[(s + r) * k + c] = b.o[c * BLK + r];
            if (hidden_out)
                for (int j = 0; j < h; j++)
                    hidden_out[(s + r) * h + j] = b.a[j * BLK + r];
        }
    }
    return TN_OK;
}

int tn_objective(const tn_arch *a, const double *theta, const tn_data *data, double l2,
                 double *loss, double *work)
{
    int st = check_data(a, data, 1);
    if (st)
        return st;
    if (!theta || !loss || !work)
        return TN_ENULL;
    *loss = pass(a, theta, data, NULL, 0, data->n, l2, NULL, work);
    return TN_OK;
}

int tn_gradients(const tn_arch *a, const double *theta, const tn_data *data, double l2,
                 double *grad, double *loss, double *work)
{
    int st = check_data(a, data, 1);
    if (st)
        return st;
    if (!theta || !grad || !loss || !work)
        return TN_ENULL;
    *loss = pass(a, theta, data, NULL, 0, data->n, l2, grad, work);
    return TN_OK;
}

int tn_unit_stats(const tn_arch *a, const double *theta, const tn_data *data,
                  const tn_stats *out, double *work)
{
    int st = check_data(a, data, 0);
    if (st)
        return st;
    if (!theta || !out || !out->active || !out->mean_deriv || !out->z_min || !out->z_max ||
        !out->a_mean || !out->a_cov || !work)
        return TN_ENULL;
    params p = param_views(a, theta);
    block b = block_views(a, work);
    int h = a->n_hidden;
    int64_t n = data->n;
    for (int j = 0; j < h; j++) {
        out->active[j] = out->mean_deriv[j] = out->a_mean[j] = 0.0;
        out->z_min[j] = INFINITY;
        out->z_max[j] = -INFINITY;
    }
    /* Two passes: means first, so the covariance sums centred values and
     * near-constant columns keep their precision. */
    for (int64_t s = 0; s < n; s += BLK) {
        int m = block_rows(n, s);
        load(a, data, NULL, s, m, &b, 0);
        forward(a, &p, &b, m);
        for (int j = 0; j < h; j++) {
            const double *z = b.z + j * BLK, *act = b.a + j * BLK;
            for (int r = 0; r < m; r++) {
                out->active[j] += z[r] > 0.0;
                out->mean_deriv[j] += derivative(a->hidden, z[r], act[r]);
                out->a_mean[j] += act[r];
                out->z_min[j] = z[r] < out->z_min[j] ? z[r] : out->z_min[j];
                out->z_max[j] = z[r] > out->z_max[j] ? z[r] : out->z_max[j];
            }
        }
    }
    for (int j = 0; j < h; j++) {
        out->active[j] /= (double)n;
        out->mean_deriv[j] /= (double)n;
        out->a_mean[j] /= (double)n;
    }
    memset(out->a_cov, 0, (size_t)h * (size_t)h * sizeof(double));
    for (int64_t s = 0; s < n; s += BLK) {
        int m = block_rows(n, s);
        load(a, data, NULL, s, m, &b, 0);
        forward(a, &p, &b, m);
        for (int j = 0; j < h; j++) {
            double *act = b.a + j * BLK;
            for (int r = 0; r < m; r++)
                act[r] -= out->a_mean[j];
        }
        for (int i = 0; i < h; i++)
            for (int j = 0; j <= i; j++)
                out->a_cov[i * h + j] += dot(b.a + i * BLK, b.a + j * BLK, m);
    }
    for (int i = 0; i < h; i++)
        for (int j = 0; j <= i; j++)
            out->a_cov[j * h + i] = out->a_cov[i * h + j] /= (double)n;
    return TN_OK;
}

/* ---------------------------------------------------------------- public: training */

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Fisher-Yates from the identity, j = floor(r (i+1) / 2^64) (Lemire, no
 * rejection): reproducible in a few lines of Python (reference.permutation). */
static void permute(int64_t *perm, int64_t n, uint64_t *rng)
{
    for (int64_t i = 0; i < n; i++)
        perm[i] = i;
    for (int64_t i = n - 1; i > 0; i--) {
        uint64_t r = splitmix64(rng);
        int64_t j = (int64_t)(((unsigned __int128)r * (uint64_t)(i + 1)) >> 64);
        int64_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

double tn_learning_rate(const tn_hyper *hp, const tn_state *st)
{
    switch (hp->schedule) {
    case TN_INVSCALING:
        return hp->lr / pow((double)(st->epoch + 1), hp->power_t);
    case TN_ADAPTIVE:
        return hp->lr * st->lr_scale;
    default:
        return hp->lr;
    }
}

static void adapt(const tn_hyper *hp, tn_state *st, double loss)
{
    if (loss < st->best_loss - hp->tol) {
        st->best_loss = loss;
        st->misses = 0;
    } else if (++st->misses >= ADAPTIVE_PATIENCE) {
        st->lr_scale /= ADAPTIVE_CUT;
        st->misses = 0;
    }
}

/* One optimizer step, as torch.optim writes them (docs/math.md#optimizers);
 * g is the batch gradient, L2 included, and the state starts at 0:
 *   sgd       theta -= eta g
 *   momentum  m = mu m + g;  theta -= eta m
 *   nesterov  m = mu m + g;  theta -= eta (g + mu m)
 *   adam      m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 *             theta -= eta (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
 *   rmsprop   v = alpha v + (1-alpha) g^2;  theta -= eta g / (sqrt(v) + eps)
 * with t the step count from 1. */
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
        double c1 = 1.0 - pow(hp->beta1, (double)st->step);
        double c2 = 1.0 - pow(hp->beta2, (double)st->step);
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

static int all_finite(const double *x, int64_t n)
{
    int ok = 1;
    for (int64_t i = 0; i < n; i++)
        ok &= is_finite(x[i]);
    return ok;
}

static int check_hyper(const tn_hyper *hp)
{
    if (hp->optimizer < TN_SGD || hp->optimizer > TN_RMSPROP)
        return TN_EHYPER;
    if (hp->schedule < TN_CONSTANT || hp->schedule > TN_ADAPTIVE)
        return TN_EHYPER;
    if (!(hp->lr > 0.0) || !(hp->l2 >= 0.0) || !(hp->eps > 0.0) || !(hp->tol >= 0.0))
        return TN_EHYPER;
    if (!(hp->momentum >= 0.0 && hp->momentum < 1.0) || !(hp->beta1 >= 0.0 && hp->beta1 < 1.0) ||
        !(hp->beta2 >= 0.0 && hp->beta2 < 1.0) || !(hp->alpha >= 0.0 && hp->alpha < 1.0))
        return TN_EHYPER;
    return TN_OK;
}

/* Runs up to `epochs` epochs.  history[e] (test_history[e]) receives the
 * objective after the e-th epoch of this call.  Full-batch epochs reuse the
 * forward pass of the next gradient as the previous epoch's loss, so an epoch
 * costs one pass over the data, not two. */
int tn_train(const tn_arch *a, double *theta, double *opt_state, tn_state *st,
             const tn_hyper *hp, const tn_data *train, const tn_data *test,
             int64_t epochs, double *history, double *test_history, int64_t *perm,
             double *work, double *best_theta, int64_t *epochs_done)
{
    int status = check_data(a, train, 1);
    if (status)
        return status;
    if (!theta || !opt_state || !st || !hp || !history || !work || !epochs_done)
        return TN_ENULL;
    int with_test = test && test->n > 0;
    if (with_test && ((status = check_data(a, test, 1)) || !test_history))
        return status ? status : TN_ENULL;
    if ((status = check_hyper(hp)))
        return status;
    *epochs_done = 0;

    int64_t P = tn_param_count(a), n = train->n;
    int full = hp->batch_size <= 0 || hp->batch_size >= n;
    int64_t batch = full ? n : hp->batch_size;
    if (!full && hp->shuffle && !perm)
        return TN_ENULL;
    double *grad = work, *keep_theta = grad + P, *keep_opt = keep_theta + P;
    double *blockwork = keep_opt + 2 * P;
    double *m = opt_state, *v = opt_state + P;
    int grad_ready = 0;

    for (int64_t e = 0; e < epochs; e++) {
        tn_state keep_state = *st;
        memcpy(keep_theta, theta, (size_t)P * sizeof *theta);
        memcpy(keep_opt, opt_state, (size_t)(2 * P) * sizeof *opt_state);
        double eta = tn_learning_rate(hp, st), loss;

        if (full) {
            if (!grad_ready)
                pass(a, theta, train, NULL, 0, n, hp->l2, grad, blockwork);
            update(hp, st, theta, grad, m, v, P, eta);
            grad_ready = e + 1 < epochs;
            loss = pass(a, theta, train, NULL, 0, n, hp->l2, grad_ready ? grad : NULL,
                        blockwork);
        } else {
            const int64_t *idx = NULL;
            if (hp->shuffle) {
                permute(perm, n, &st->rng);
                idx = perm;
            }
            for (int64_t s = 0; s < n; s += batch) {
                int64_t size = n - s < batch ? n - s : batch;
                pass(a, theta, train, idx, s, size, hp->l2, grad, blockwork);
                update(hp, st, theta, grad, m, v, P, eta);
            }
            loss = pass(a, theta, train, NULL, 0, n, hp->l2, NULL, blockwork);
        }

        if (!is_finite(loss) || !all_finite(theta, P)) {
            memcpy(theta, keep_theta, (size_t)P * sizeof *theta);
            memcpy(opt_state, keep_opt, (size_t)(2 * P) * sizeof *opt_state);
            *st = keep_state;
            return TN_DIVERGED;
        }
        history[e] = loss;
        if (with_test)
            test_history[e] = pass(a, theta, test, NULL, 0, test->n, hp->l2, NULL, blockwork);
        st->epoch++;
        if (best_theta && loss < st->min_loss) {
            st->min_loss = loss;
            st->min_epoch = st->epoch;
            memcpy(best_theta, theta, (size_t)P * sizeof *theta);
        }
        if (hp->schedule == TN_ADAPTIVE)
            adapt(hp, st, loss);
        *epochs_done = e + 1;
    }
    return TN_OK;
}
