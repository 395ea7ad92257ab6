/* The layers of the net over blocks of rows: the kernel's internals, shared
 * by its public calls (tuinn.c) and not part of its API (tuinn.h).
 *
 * Rows are processed in blocks of BLK, stored transposed (feature-major), so
 * the innermost loops run over the rows of a block: contiguous, branch-free,
 * and vectorized by the compiler.
 */
#ifndef TUINN_LAYERS_H
#define TUINN_LAYERS_H
#include "tuinn.h"

#define BLK 256
/* A block holds every input of each of its rows: a net of very many inputs
 * takes fewer rows a block (a multiple of BLK_MIN), so that a block stays
 * within BLOCK_DOUBLES_MAX doubles (32 MB) however wide the data; 10^6 inputs
 * would take 2 GB at BLK rows.  A function of the shape alone, so the same
 * bits on every path and thread count. */
#define BLOCK_DOUBLES_MAX (1 << 22)
#define BLK_MIN 8

/* Where each parameter array starts in theta (and in a gradient, which has
 * theta's layout): [W1 (d*h, row-major) | b1 (h) | W2 (h*k) | b2 (k)].
 * With no hidden layer (h = 0) W1 and b1 are empty and W2 is d*k: the output
 * layer reads the inputs directly. */
typedef struct {
    int64_t W1, b1, W2, b2, count;
} layout;

/* The output layer's inputs: the hidden units, or the inputs with no hidden layer. */
static inline int output_fan_in(const tn_arch *a)
{
    return a->n_hidden ? a->n_hidden : a->n_in;
}

static inline layout layout_of(const tn_arch *a)
{
    int64_t d = a->n_in, h = a->n_hidden, k = a->n_out;
    layout l;
    l.W1 = 0;
    l.b1 = l.W1 + d * h;
    l.W2 = l.b1 + h;
    l.b2 = l.W2 + output_fan_in(a) * k;
    l.count = l.b2 + k;
    return l;
}

/* Doubles a block takes per row. */
static inline int64_t block_width(const tn_arch *a)
{
    return (int64_t)a->n_in + 4 * (int64_t)a->n_out + 3 * (int64_t)a->n_hidden + 2;
}

/* Rows a block holds: BLK, or fewer for a wide net (see BLOCK_DOUBLES_MAX). */
static inline int block_len(const tn_arch *a)
{
    int64_t fit = BLOCK_DOUBLES_MAX / block_width(a) / BLK_MIN * BLK_MIN;
    return fit >= BLK ? BLK : fit >= BLK_MIN ? (int)fit : BLK_MIN;
}

/* Scratch for len rows (BLK below stands for it), feature-major: row r of a
 * (c, BLK) buffer's column c is at [c * len + r].  d, h, k: inputs, hidden
 * units, outputs. */
typedef struct {
    int len;        /* rows: block_len */
    const double *x;    /* (d, BLK)  inputs: x_own, or the data's own column (see load) */
    const double *y;    /* (k, BLK)  targets: y_own, or the data's own column */
    double *x_own, *y_own;
    double *z;      /* (h, BLK)  hidden pre-activations Z = X W1 + b1 */
    double *a;      /* (h, BLK)  hidden activations A = g(Z) */
    double *s;      /* (k, BLK)  output pre-activations S = A W2 + b2 */
    double *o;      /* (k, BLK)  outputs O = out(S) */
    double *ds;     /* (k, BLK)  dL/dS */
    double *dz;     /* (h, BLK)  dL/dZ */
    double *rmax;   /* (BLK)     softmax: the row's largest S */
    double *rsum;   /* (BLK)     softmax: the row's sum of e^(S - max); scratch of its Jacobian */
} block;

static inline block block_views(const tn_arch *a, double *w)
{
    block b;
    int64_t d = a->n_in, h = a->n_hidden, k = a->n_out, len = block_len(a);
    b.len = (int)len;
    b.x = b.x_own = w;
    b.y = b.y_own = b.x_own + d * len;
    b.s = b.y_own + k * len;
    b.o = b.s + k * len;
    b.ds = b.o + k * len;
    b.z = b.ds + k * len;
    b.a = b.z + h * len;
    b.dz = b.a + h * len;
    b.rmax = b.dz + h * len;
    b.rsum = b.rmax + len;
    return b;
}

/* The rows of the block that starts at row `start` of n. */
static inline int block_rows(int64_t n, int64_t start, int len)
{
    return (int)(n - start < len ? n - start : len);
}

typedef struct {
    const double *W1, *b1, *W2, *b2;
} params;

typedef struct {
    double *W1, *b1, *W2, *b2;
} grads;

static inline params param_views(const tn_arch *a, const double *theta)
{
    layout l = layout_of(a);
    params p = {theta + l.W1, theta + l.b1, theta + l.W2, theta + l.b2};
    return p;
}

/* A gradient has theta's layout. */
static inline grads grad_views(const tn_arch *a, double *grad)
{
    layout l = layout_of(a);
    grads g = {grad + l.W1, grad + l.b1, grad + l.W2, grad + l.b2};
    return g;
}

/* The entry points of layers.c, one table per code path (layers_base.c,
 * layers_avx2.c, layers_avx512.c); tuinn.c picks one per call. */
typedef struct {
    /* Copy rows [r0, r0+n) of the data (through idx when given) into the block. */
    void (*load)(const tn_arch *a, const tn_data *data, const int64_t *idx, int64_t r0, int n,
                 block *b, int with_y);
    /* Hidden layer and output of the n rows loaded in the block. */
    void (*forward)(const tn_arch *a, const params *p, block *b, int n);
    /* Sum of the data loss over rows [r0, r0+n), through idx when given; with
     * grad, adds the gradient of that sum times inv_batch to it. */
    double (*rows)(const tn_arch *a, const double *theta, const tn_data *data,
                   const int64_t *idx, int64_t r0, int64_t n, double inv_batch, double *grad,
                   double *blockwork);
    /* Adds to cov (h x h, its lower triangle) the products of the block's n
     * hidden activations, centred in place by the caller: on the path's FMAs,
     * not as calls of the base build's fma(). */
    void (*covariance)(const block *b, int h, int n, double *cov);
    /* One optimizer step of theta (P weights) along the gradient g, with the
     * optimizer's state m and v, at rate eta (docs/math.md#optimizers). */
    void (*update)(const tn_hyper *hp, tn_state *st, double *theta, const double *g, double *m,
                   double *v, int64_t P, double eta);
    /* tn_probe_sigmoid and tn_probe_fma on this path. */
    void (*probe_sigmoid)(const double *x, double *out, int64_t n, int64_t repeats, int lean);
    void (*probe_fma)(const double *x, int64_t n, int64_t repeats, double *acc);
} layer_kernels;

extern const layer_kernels layers_base;
#if defined(__x86_64__) && defined(__GNUC__)
#define TN_X86_PATHS 1
extern const layer_kernels layers_avx2, layers_avx512;
#endif

#endif
