/* Scalar numerics of the kernel, inline so that loops over rows vectorize:
 * bit tests, the kernel's own exp (no libm call in the hot loop), sigmoid,
 * tanh, softplus, and the row sums.
 */
#ifndef TUINN_NUMERICS_H
#define TUINN_NUMERICS_H
#include <math.h>
#include <stdint.h>
#include <string.h>

/* exp_neg clamps its argument here: exp(-708) ~ 3e-308 is still a normal double. */
#define EXP_FLOOR (-708.0)
/* -ln(2)/2: above it, e^x - 1 comes from the series itself (no cancellation). */
#define EXPM1_SERIES_LIMIT (-0.34657359027997264)

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


static inline double dot(const double *restrict x, const double *restrict y, int n)
{
    double s = 0.0;
#pragma omp simd reduction(+ : s)
    for (int r = 0; r < n; r++)
        s += x[r] * y[r];
    return s;
}

static inline double total(const double *restrict x, int n)
{
    double s = 0.0;
#pragma omp simd reduction(+ : s)
    for (int r = 0; r < n; r++)
        s += x[r];
    return s;
}

#endif
