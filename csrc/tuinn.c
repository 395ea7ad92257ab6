/* tuinn kernel: its public calls (tuinn.h), the evaluation passes and the
 * training loop with its optimizers and schedules.  The layers themselves are
 * in layers.c, built once per code path; the scalar numerics in numerics.h;
 * the mathematics is docs/math.md.  Scratch memory is a fixed number of
 * doubles (tn_work_count) whatever the number of rows.
 */
#include "tuinn.h"

#include <math.h>
#include <string.h>

#include "activations.h"
#include "layers.h"
#include "numerics.h"
#include "pool.h"

/* The adaptive schedule (after scikit-learn): after ADAPTIVE_PATIENCE epochs
 * without a gain of tol, the rate is divided by ADAPTIVE_CUT. */
#define ADAPTIVE_CUT 5.0
#define ADAPTIVE_PATIENCE 2
/* Passes are split into parts only when the parts' gradients fit in a few MB. */
#define PART_PARAMS 65536
/* Threads beyond the first get block buffers only while all of them fit in
 * this many doubles (64 MB). */
#define THREAD_BLOCKS_MAX (1 << 23)

static const char *const messages[] = {
    "ok",
    "a required buffer is missing",
    "sizes must be >= 1 and activation / loss codes known",
    "cross_entropy needs a sigmoid or softmax output",
    "a data set has no rows",
    "unknown optimizer or schedule, or a hyperparameter out of range",
    "diverged: the loss or a weight became NaN/Inf; the last finite weights were put back",
    "this CPU cannot run the code path asked for",
};

const char *tn_strerror(int status)
{
    if (status < 0 || status > TN_EPATH)
        return "unknown status";
    return messages[status];
}

/* ---------------------------------------------------------------- code paths */

int tn_path_supported(int path)
{
    switch (path) {
    case TN_PATH_AUTO:
    case TN_PATH_BASE:
        return 1;
#ifdef TN_X86_PATHS
    case TN_PATH_AVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case TN_PATH_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
#endif
    default:
        return 0;
    }
}

static int resolved_path(int path)
{
    if (path != TN_PATH_AUTO)
        return path;
    if (tn_path_supported(TN_PATH_AVX512))
        return TN_PATH_AVX512;
    return tn_path_supported(TN_PATH_AVX2) ? TN_PATH_AVX2 : TN_PATH_BASE;
}

int tn_path_chosen(const tn_arch *a)
{
    if (!a || !tn_path_supported(a->path))
        return -1;
    return resolved_path(a->path);
}

/* The layers of a checked arch's path. */
static const layer_kernels *kernels_of(const tn_arch *a)
{
    switch (resolved_path(a->path)) {
#ifdef TN_X86_PATHS
    case TN_PATH_AVX512:
        return &layers_avx512;
    case TN_PATH_AVX2:
        return &layers_avx2;
#endif
    default:
        return &layers_base;
    }
}

/* Membership, not a range of codes: a new activation's code may fall anywhere
 * in the enum. */
static int is_hidden_activation(int g)
{
    switch (g) {
#define MEMBER_CASE(code, name) case code:
        HIDDEN_ACTIVATIONS(MEMBER_CASE)
#undef MEMBER_CASE
        return 1;
    default:
        return 0;
    }
}

static int is_output_activation(int g)
{
    switch (g) {
    case TN_LINEAR:
    case TN_SIGMOID:
    case TN_TANH:
    case TN_SOFTMAX:
        return 1;
    default:
        return 0;
    }
}

int tn_check_arch(const tn_arch *a)
{
    if (!a)
        return TN_ENULL;
    if (a->n_in < 1 || a->n_hidden < 0 || a->n_out < 1)
        return TN_EARCH;
    if (!is_hidden_activation(a->hidden) || !is_output_activation(a->output))
        return TN_EARCH;
    if (a->loss != TN_SQUARED && a->loss != TN_CROSS_ENTROPY)
        return TN_EARCH;
    if (a->loss == TN_CROSS_ENTROPY && a->output != TN_SIGMOID && a->output != TN_SOFTMAX)
        return TN_EPAIR;
    if (a->path < TN_PATH_AUTO || a->path > TN_PATH_AVX512)
        return TN_EARCH;
    if (!tn_path_supported(a->path))
        return TN_EPATH;
    return TN_OK;
}


int64_t tn_param_count(const tn_arch *a)
{
    return layout_of(a).count;
}

int64_t tn_opt_state_count(const tn_arch *a)
{
    return 2 * tn_param_count(a);
}

/* Block buffers: x (d rows), y, s, o, ds (k rows each), z, a, dz (h rows each),
 * rmax and rsum. */
static int64_t block_count(const tn_arch *a)
{
    return (int64_t)block_len(a) * block_width(a);
}

static int parted(const tn_arch *a)
{
    return tn_param_count(a) <= PART_PARAMS;
}

/* Passes over n rows run in this many parts of whole blocks: a function of n
 * and the shape, never of the threads.  A pass is split when it has at least
 * TN_PARALLEL_ROWS rows, or enough work (rows x hidden units) to pay for the
 * threads' start. */
static int part_count(const tn_arch *a, int64_t n)
{
    int64_t len = block_len(a), blocks = (n + len - 1) / len;
    int64_t units = a->n_hidden ? a->n_hidden : 1;
    if (!parted(a) || blocks < 2)
        return 1;
    if (n < TN_PARALLEL_ROWS && n * units < TN_PARALLEL_WORK)
        return 1;
    return blocks < TN_PARTS ? (int)blocks : TN_PARTS;
}

int tn_part_count(const tn_arch *a, int64_t n)
{
    if (tn_check_arch(a) || n < 0)
        return -1;
    return part_count(a, n);
}

/* Threads, each with its own block buffers. */
static int thread_slots(const tn_arch *a)
{
    if (!parted(a) || a->threads <= 1)
        return 1;
    int64_t fit = THREAD_BLOCKS_MAX / block_count(a);
    int64_t slots = a->threads < TN_PARTS ? a->threads : TN_PARTS;
    slots = slots < fit ? slots : fit;
    return slots > 1 ? (int)slots : 1;
}

/* The scratch memory, in this order. */
typedef struct {
    double *grad, *keep_theta, *keep_opt;   /* P, P and 2P: tn_train's */
    double *part_grads, *part_loss;         /* TN_PARTS * P (when parted) and TN_PARTS */
    double *blocks;                         /* thread_slots blocks */
} scratch;

static scratch scratch_views(const tn_arch *a, double *work)
{
    int64_t P = tn_param_count(a);
    scratch w;
    w.grad = work;
    w.keep_theta = w.grad + P;
    w.keep_opt = w.keep_theta + P;
    w.part_grads = w.keep_opt + 2 * P;
    w.part_loss = w.part_grads + (parted(a) ? TN_PARTS * P : 0);
    w.blocks = w.part_loss + TN_PARTS;
    return w;
}

int64_t tn_work_count(const tn_arch *a)
{
    int64_t P = tn_param_count(a);
    return 4 * P + (parted(a) ? TN_PARTS * P : 0) + TN_PARTS + thread_slots(a) * block_count(a);
}

/* ---------------------------------------------------------------- passes */

/* (l2/2)(sum W1^2 + sum W2^2) + l1 (sum |W1| + sum |W2|): the biases are not
 * penalized (docs/math.md#regularization). */
static double penalty(const tn_arch *a, const params *p, double l2, double l1)
{
    if (l2 == 0.0 && l1 == 0.0)
        return 0.0;
    int64_t n1 = (int64_t)a->n_in * a->n_hidden, n2 = (int64_t)output_fan_in(a) * a->n_out;
    double squares = 0.0, sizes = 0.0;
    for (int64_t i = 0; i < n1; i++) {
        squares += p->W1[i] * p->W1[i];
        sizes += fabs(p->W1[i]);
    }
    for (int64_t i = 0; i < n2; i++) {
        squares += p->W2[i] * p->W2[i];
        sizes += fabs(p->W2[i]);
    }
    /* A zero rate adds exactly nothing, even where the other sum overflows. */
    return (l2 != 0.0 ? 0.5 * l2 * squares : 0.0) + (l1 != 0.0 ? l1 * sizes : 0.0);
}

/* sign(0) = 0: a weight at exactly zero feels no L1 pull. */
static double sign(double w)
{
    return (double)(w > 0.0) - (double)(w < 0.0);
}

static void penalty_backward(const tn_arch *a, const params *p, const grads *g, double l2,
                             double l1)
{
    int64_t n1 = (int64_t)a->n_in * a->n_hidden, n2 = (int64_t)output_fan_in(a) * a->n_out;
    for (int64_t i = 0; i < n1; i++)
        g->W1[i] += l2 * p->W1[i] + l1 * sign(p->W1[i]);
    for (int64_t i = 0; i < n2; i++)
        g->W2[i] += l2 * p->W2[i] + l1 * sign(p->W2[i]);
}

/* One pass split into parts (part_count): the arguments every part shares. */
typedef struct {
    const tn_arch *a;
    const layer_kernels *K;
    const double *theta;
    const tn_data *data;
    const int64_t *idx;
    int64_t r0, n;
    int parts;
    double inv_batch;
    int with_grad;
    const scratch *w;
} pass_job;

/* Part p: a contiguous run of whole blocks, from its own zero gradient, on
 * the block buffers of `slot`. */
static void run_part(const void *job, int p, int slot)
{
    const pass_job *j = job;
    int64_t P = tn_param_count(j->a), len = block_len(j->a), blocks = (j->n + len - 1) / len;
    int64_t first = p * blocks / j->parts * len, end = (p + 1) * blocks / j->parts * len;
    end = end < j->n ? end : j->n;
    double *grad = NULL;
    if (j->with_grad) {
        grad = j->w->part_grads + p * P;
        memset(grad, 0, (size_t)P * sizeof *grad);
    }
    j->w->part_loss[p] = first < end
        ? j->K->rows(j->a, j->theta, j->data, j->idx, j->r0 + first, end - first, j->inv_batch,
                     grad, j->w->blocks + slot * block_count(j->a))
        : 0.0;
}

/* Objective (and, when grad is given, its gradient) over rows [r0, r0+n) of
 * data, through idx when given.  Parts are summed in part order, so threads
 * change the speed and nothing else. */
static double pass(const tn_arch *a, const double *theta, const tn_data *data,
                   const int64_t *idx, int64_t r0, int64_t n, double l2, double l1, double *grad,
                   const scratch *w)
{
    const layer_kernels *K = kernels_of(a);
    int64_t P = tn_param_count(a);
    double inv = 1.0 / (double)n, sum = 0.0;
    if (grad)
        memset(grad, 0, (size_t)P * sizeof *grad);
    pass_job job = {a, K, theta, data, idx, r0, n, part_count(a, n), inv, grad != NULL, w};
    if (job.parts == 1) {
        sum = K->rows(a, theta, data, idx, r0, n, inv, grad, w->blocks);
    } else {
        pool_run(a->pool, run_part, &job, job.parts, thread_slots(a));
        for (int p = 0; p < job.parts; p++) {
            sum += w->part_loss[p];
            if (grad)
                for (int64_t i = 0; i < P; i++)
                    grad[i] += w->part_grads[p * P + i];
        }
    }
    params p = param_views(a, theta);
    if (grad && (l2 != 0.0 || l1 != 0.0)) {
        grads g = grad_views(a, grad);
        penalty_backward(a, &p, &g, l2, l1);
    }
    return sum / (double)n + penalty(a, &p, l2, l1);
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
    const layer_kernels *K = kernels_of(a);
    params p = param_views(a, theta);
    block b = block_views(a, scratch_views(a, work).blocks);
    int h = a->n_hidden, k = a->n_out;
    for (int64_t s = 0; s < data->n; s += b.len) {
        int m = block_rows(data->n, s, b.len);
        K->load(a, data, NULL, s, m, &b, 0);
        K->forward(a, &p, &b, m);
        for (int r = 0; r < m; r++) {
            for (int c = 0; c < k; c++)
                out[(s + r) * k + c] = b.o[c * b.len + r];
            if (hidden_out)
                for (int j = 0; j < h; j++)
                    hidden_out[(s + r) * h + j] = b.a[j * b.len + r];
        }
    }
    return TN_OK;
}

int tn_objective(const tn_arch *a, const double *theta, const tn_data *data, double l2,
                 double l1, double *loss, double *work)
{
    int st = check_data(a, data, 1);
    if (st)
        return st;
    if (!theta || !loss || !work)
        return TN_ENULL;
    scratch w = scratch_views(a, work);
    *loss = pass(a, theta, data, NULL, 0, data->n, l2, l1, NULL, &w);
    return TN_OK;
}

int tn_gradients(const tn_arch *a, const double *theta, const tn_data *data, double l2,
                 double l1, double *grad, double *loss, double *work)
{
    int st = check_data(a, data, 1);
    if (st)
        return st;
    if (!theta || !grad || !loss || !work)
        return TN_ENULL;
    scratch w = scratch_views(a, work);
    *loss = pass(a, theta, data, NULL, 0, data->n, l2, l1, grad, &w);
    return TN_OK;
}

int tn_unit_stats(const tn_arch *a, const double *theta, const tn_data *data,
                  const tn_stats *out, double *work)
{
    int st = check_data(a, data, 0);
    if (st)
        return st;
    if (!theta || !out || !out->active || !out->mean_deriv || !out->z_min || !out->z_max ||
        !out->a_mean || !work)
        return TN_ENULL;
    const layer_kernels *K = kernels_of(a);
    params p = param_views(a, theta);
    block b = block_views(a, scratch_views(a, work).blocks);
    int h = a->n_hidden;
    int64_t n = data->n;
    for (int j = 0; j < h; j++) {
        out->active[j] = out->mean_deriv[j] = out->a_mean[j] = 0.0;
        out->z_min[j] = INFINITY;
        out->z_max[j] = -INFINITY;
    }
    /* Two passes: means first, so the covariance sums centred values and
     * near-constant columns keep their precision. */
    for (int64_t s = 0; s < n; s += b.len) {
        int m = block_rows(n, s, b.len);
        K->load(a, data, NULL, s, m, &b, 0);
        K->forward(a, &p, &b, m);
        for (int j = 0; j < h; j++) {
            const double *z = b.z + j * b.len, *act = b.a + j * b.len;
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
    if (!out->a_cov)
        return TN_OK;
    memset(out->a_cov, 0, (size_t)h * (size_t)h * sizeof(double));
    for (int64_t s = 0; s < n; s += b.len) {
        int m = block_rows(n, s, b.len);
        K->load(a, data, NULL, s, m, &b, 0);
        K->forward(a, &p, &b, m);
        for (int j = 0; j < h; j++) {
            double *act = b.a + j * b.len;
            for (int r = 0; r < m; r++)
                act[r] -= out->a_mean[j];
        }
        K->covariance(&b, h, m, out->a_cov);
    }
    for (int i = 0; i < h; i++)
        for (int j = 0; j <= i; j++)
            out->a_cov[(int64_t)j * h + i] = out->a_cov[(int64_t)i * h + j] /= (double)n;
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
        /* lr / (epoch+1)^power_t, with the kernel's own exp and log */
        return hp->lr * exp_neg(-hp->power_t * log_pos((double)(st->epoch + 1)));
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
    if (!(hp->lr > 0.0) || !(hp->l2 >= 0.0) || !(hp->l1 >= 0.0) || !(hp->eps > 0.0) ||
        !(hp->tol >= 0.0) ||
        !(hp->power_t >= 0.0) || !isfinite(hp->lr) || !isfinite(hp->power_t))
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
    if (epochs < 0)
        return TN_EHYPER;
    *epochs_done = 0;

    int64_t P = tn_param_count(a), n = train->n;
    int full = hp->batch_size <= 0 || hp->batch_size >= n;
    int64_t batch = full ? n : hp->batch_size;
    if (!full && hp->shuffle && !perm)
        return TN_ENULL;
    const layer_kernels *K = kernels_of(a);
    scratch w = scratch_views(a, work);
    double *grad = w.grad, *keep_theta = w.keep_theta, *keep_opt = w.keep_opt;
    double *m = opt_state, *v = opt_state + P;
    int grad_ready = 0;

    for (int64_t e = 0; e < epochs; e++) {
        tn_state keep_state = *st;
        memcpy(keep_theta, theta, (size_t)P * sizeof *theta);
        memcpy(keep_opt, opt_state, (size_t)(2 * P) * sizeof *opt_state);
        double eta = tn_learning_rate(hp, st), loss;

        if (full) {
            if (!grad_ready)
                pass(a, theta, train, NULL, 0, n, hp->l2, hp->l1, grad, &w);
            K->update(hp, st, theta, grad, m, v, P, eta);
            grad_ready = e + 1 < epochs;
            loss = pass(a, theta, train, NULL, 0, n, hp->l2, hp->l1, grad_ready ? grad : NULL,
                        &w);
        } else {
            const int64_t *idx = NULL;
            if (hp->shuffle) {
                permute(perm, n, &st->rng);
                idx = perm;
            }
            for (int64_t s = 0; s < n; s += batch) {
                int64_t size = n - s < batch ? n - s : batch;
                pass(a, theta, train, idx, s, size, hp->l2, hp->l1, grad, &w);
                K->update(hp, st, theta, grad, m, v, P, eta);
            }
            loss = pass(a, theta, train, NULL, 0, n, hp->l2, hp->l1, NULL, &w);
        }

        if (!is_finite(loss) || !all_finite(theta, P)) {
            memcpy(theta, keep_theta, (size_t)P * sizeof *theta);
            memcpy(opt_state, keep_opt, (size_t)(2 * P) * sizeof *opt_state);
            *st = keep_state;
            return TN_DIVERGED;
        }
        history[e] = loss;
        if (with_test)
            test_history[e] = pass(a, theta, test, NULL, 0, test->n, hp->l2, hp->l1, NULL,
                                   &w);
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

int tn_probe_sigmoid(const tn_arch *a, const double *x, double *out, int64_t n,
                     int64_t repeats, int lean)
{
    int st = tn_check_arch(a);
    if (st)
        return st;
    if (!x || !out)
        return TN_ENULL;
    if (n < 0 || repeats < 0)
        return TN_EDATA;
    kernels_of(a)->probe_sigmoid(x, out, n, repeats, lean != 0);
    return TN_OK;
}

int tn_probe_fma(const tn_arch *a, const double *x, int64_t n, int64_t repeats, double *acc)
{
    int st = tn_check_arch(a);
    if (st)
        return st;
    if (!x || !acc)
        return TN_ENULL;
    if (n < 0 || n % TN_PROBE_CHAINS || repeats < 0)
        return TN_EDATA;
    kernels_of(a)->probe_fma(x, n, repeats, acc);
    return TN_OK;
}
