/* tuinn kernel: training loop of one-hidden-layer networks (docs/math.md).
 *
 * Everything is plain data: the caller owns every buffer, the kernel keeps no
 * global state, allocates nothing and prints nothing.  Parameters live in one
 * vector theta = [W1 (d*h, row-major) | b1 (h) | W2 (h*k) | b2 (k)] so that
 * the optimizer, the divergence snapshot and the finiteness check are single
 * loops over tn_param_count() doubles.
 *
 * Results are the same bits on every machine, code path and thread count
 * (docs/math.md#reproducibility).
 *
 * build.py hands the text between the cdef markers to cffi, which cannot parse
 * preprocessor lines: keep declarations only in there.
 */
#ifndef TUINN_H
#define TUINN_H
#include <stdint.h>
#include <stddef.h>

/* cdef-begin */
enum {
    TN_OK = 0,
    TN_ENULL = 1,      /* a required pointer is NULL */
    TN_EARCH = 2,      /* n_in or n_out < 1, n_hidden < 0, or an unknown code */
    TN_EPAIR = 3,      /* cross_entropy needs a sigmoid or softmax output */
    TN_EDATA = 4,      /* a data set has no rows */
    TN_EHYPER = 5,     /* unknown optimizer / schedule, or a bad hyperparameter */
    TN_DIVERGED = 6,   /* loss or a parameter became NaN/Inf: last finite state restored */
    TN_EPATH = 7       /* this CPU cannot run the code path asked for */
};

enum { TN_LINEAR = 0, TN_SIGMOID = 1, TN_TANH = 2, TN_RELU = 3, TN_LEAKY_RELU = 4,
       TN_SOFTMAX = 5, TN_SOFTPLUS = 6 };
enum { TN_SQUARED = 0, TN_CROSS_ENTROPY = 1 };
enum { TN_SGD = 0, TN_MOMENTUM = 1, TN_NESTEROV = 2, TN_ADAM = 3, TN_RMSPROP = 4 };
enum { TN_CONSTANT = 0, TN_INVSCALING = 1, TN_ADAPTIVE = 2 };
/* Code paths: the same code built for one instruction set each. */
enum { TN_PATH_AUTO = 0, TN_PATH_BASE = 1, TN_PATH_AVX2 = 2, TN_PATH_AVX512 = 3 };
/* A pass over at least TN_PARALLEL_ROWS rows, or over rows x hidden units >=
 * TN_PARALLEL_WORK, is split into at most TN_PARTS parts of whole blocks, fixed
 * by the rows and the shape and summed in part order: its bits do not depend
 * on how many threads ran it. */
enum { TN_PARALLEL_ROWS = 50000, TN_PARALLEL_WORK = 60000, TN_PARTS = 16 };

/* The worker threads of split passes (csrc/pool.c): made by tn_pool_new with
 * `threads` - 1 workers, freed by tn_pool_free; a NULL pool runs every pass on
 * the caller's thread alone. */
typedef struct tn_pool tn_pool;
tn_pool *tn_pool_new(int threads);
void tn_pool_free(tn_pool *pool);

typedef struct {
    int n_in, n_hidden, n_out;   /* n_hidden = 0: no hidden layer (docs/math.md) */
    int hidden;     /* TN_LINEAR, TN_SIGMOID, TN_TANH, TN_RELU, TN_LEAKY_RELU, TN_SOFTPLUS */
    int output;     /* TN_LINEAR, TN_SIGMOID, TN_TANH, TN_SOFTMAX */
    int loss;       /* TN_SQUARED, TN_CROSS_ENTROPY */
    /* How the net is computed, never what: neither changes a bit of a result. */
    int path;       /* TN_PATH_AUTO (the widest this CPU runs) or a TN_PATH_* */
    int threads;    /* threads of the passes that are split (<= 1: the caller's only);
                       the scratch memory (tn_work_count) grows with it */
    tn_pool *pool;  /* their workers (NULL: none) */
} tn_arch;

typedef struct {
    const double *X;   /* n * n_in, row-major */
    const double *Y;   /* n * n_out, row-major; may be NULL for tn_predict */
    int64_t n;
} tn_data;

/* The training settings; each field is named as its row in tuinn/settings.py. */
typedef struct {
    int optimizer, schedule;
    int shuffle;            /* permute rows each epoch (only when batch_size < n) */
    int64_t batch_size;     /* <= 0 or >= n: full batch */
    double lr, momentum, beta1, beta2, eps, alpha, l2, l1, power_t, tol;
} tn_hyper;

/* Everything that must persist between tn_train calls besides theta and the
 * optimizer moments, so that chunked training is bit-identical. */
typedef struct {
    int64_t epoch;          /* epochs completed */
    int64_t step;           /* optimizer steps taken (Adam's t) */
    uint64_t rng;           /* SplitMix64 state of the shuffle */
    double lr_scale;        /* adaptive schedule: product of the /5 cuts, starts at 1 */
    double best_loss;       /* adaptive schedule: best end-of-epoch objective, starts at +inf */
    int64_t misses;         /* adaptive schedule: epochs since the last new best */
    double min_loss;        /* lowest end-of-epoch loss so far (the caller seeds it with */
    int64_t min_epoch;      /*   the initial loss) and the epoch it was reached at */
} tn_state;

/* Per hidden unit statistics over a data set (each array has n_hidden entries,
 * a_cov has n_hidden * n_hidden). */
typedef struct {
    double *active;       /* share of rows with Z > 0 */
    double *mean_deriv;   /* mean of g'(Z) */
    double *z_min, *z_max;
    double *a_mean;       /* mean activation */
    double *a_cov;        /* population covariance of the activation columns; NULL: skip it */
} tn_stats;

const char *tn_strerror(int status);
/* 1 when this CPU runs the code path, else 0. */
int tn_path_supported(int path);
/* The code path the arch's calls run (TN_PATH_AUTO resolved), or -1 if none. */
int tn_path_chosen(const tn_arch *arch);
int tn_check_arch(const tn_arch *arch);
int64_t tn_param_count(const tn_arch *arch);
int64_t tn_opt_state_count(const tn_arch *arch);
int64_t tn_work_count(const tn_arch *arch);
/* Parts a pass over n rows is cut into (1: not split, so no thread helps);
 * -1 for an invalid arch. */
int tn_part_count(const tn_arch *arch, int64_t n);

int tn_predict(const tn_arch *arch, const double *theta, const tn_data *data,
               double *out, double *hidden_out, double *work);
int tn_objective(const tn_arch *arch, const double *theta, const tn_data *data,
                 double l2, double l1, double *loss, double *work);
int tn_gradients(const tn_arch *arch, const double *theta, const tn_data *data,
                 double l2, double l1, double *grad, double *loss, double *work);
int tn_unit_stats(const tn_arch *arch, const double *theta, const tn_data *data,
                  const tn_stats *out, double *work);
/* The learning rate the next epoch uses, after the schedule. */
double tn_learning_rate(const tn_hyper *hyper, const tn_state *state);
/* best_theta (may be NULL): receives theta whenever an epoch ends below
 * state->min_loss, so the best weights seen can be put back. */
int tn_train(const tn_arch *arch, double *theta, double *opt_state, tn_state *state,
             const tn_hyper *hyper, const tn_data *train, const tn_data *test,
             int64_t epochs, double *history, double *test_history,
             int64_t *perm, double *work, double *best_theta, int64_t *epochs_done);

/* The machine's own limits, for `tuinn bench`'s headroom line, on the arch's
 * code path: out[i] = sigmoid(x[i]), `repeats` times over n values, with the
 * kernel's sigmoid (lean = 0) or with the cheapest full-precision sigmoid
 * known (lean = 1), a microbenchmark apart from the kernel's code; and
 * `repeats` passes of TN_PROBE_CHAINS independent fused multiply-add chains
 * over x (acc[TN_PROBE_CHAINS] in/out, n a multiple of it): the machine's FMA
 * peak. */
enum { TN_PROBE_CHAINS = 128 };
int tn_probe_sigmoid(const tn_arch *arch, const double *x, double *out, int64_t n,
                     int64_t repeats, int lean);
int tn_probe_fma(const tn_arch *arch, const double *x, int64_t n, int64_t repeats,
                 double *acc);

/* cdef-end */

#endif
