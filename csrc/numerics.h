/* Scalar numerics of the kernel, inline so that loops over rows vectorize:
 * bit tests, the kernel's own exp and log (no libm call anywhere: libm's
 * results may differ between machines and versions), sigmoid, tanh, softplus,
 * and the row sums.
 *
 * Every result must be the same bits on every machine and code path
 * (docs/math.md#reproducibility).  So: only IEEE +, -, *, /, sqrt and fused
 * multiply-add, which all round exactly; no contraction the compiler chooses
 * (-ffp-contract=off), only the FMAs written here; and sums over rows in
 * LANES partial sums, whatever vector width the compiler picks, combined in
 * one fixed tree.
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
/* Partial sums of a row sum: two AVX-512 vectors, four AVX2 ones, eight SSE2
 * ones, enough independent chains to hide the adder's latency on each. */
#define LANES 16

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

/* a*b + c, rounded once.  IEEE 754 defines the fused multiply-add exactly, so
 * it is the same bits wherever it is computed exactly: the FMA instruction on
 * the AVX2 and AVX-512 paths, and C99's fma() on the base path, which the C
 * standard requires to be correctly rounded (glibc computes it exactly in
 * software where the CPU has no FMA).  One rounding instead of two, and one
 * instruction where there were two. */
#define FMA(a, b, c) fma((a), (b), (c))

/* Bit test rather than isfinite(): immune to -ffinite-math-only. */
static inline int is_finite(double x)
{
    return (bits_of(x) & 0x7ff0000000000000ULL) != 0x7ff0000000000000ULL;
}

/* (e^x - 1) / x by its Taylor series: sum of x^i / (i+1)! for i = 0..12.
 * Truncation < 1e-17 for |x| <= ln2/2, where both callers use it.  Estrin's
 * scheme: pairs, then pairs of pairs, in FMAs, so the chain of dependent
 * operations is 6 long instead of Horner's 12. */
static inline double exp_series(double x)
{
    double x2 = x * x, x4 = x2 * x2, x8 = x4 * x4;
    double p01 = FMA(1.0 / 6.0, x, 0.5), p23 = FMA(1.0 / 120.0, x, 1.0 / 24.0);
    double p45 = FMA(1.0 / 5040.0, x, 1.0 / 720.0), p67 = FMA(1.0 / 362880.0, x, 1.0 / 40320.0);
    double p89 = FMA(1.0 / 39916800.0, x, 1.0 / 3628800.0);
    double p1011 = FMA(1.0 / 6227020800.0, x, 1.0 / 479001600.0);
    double q0 = FMA(p23, x2, p01), q1 = FMA(p67, x2, p45), q2 = FMA(p1011, x2, p89);
    double r0 = FMA(q1, x4, q0);
    /* 1 + x/2 + ... : the constant term added last keeps its digits. */
    return FMA(FMA(q2, x8, r0), x, 1.0);
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
    double kd = FMA(x, inv_ln2, shift);
    uint64_t ki = bits_of(kd);
    kd -= shift;
    double r = FMA(-kd, ln2_lo, FMA(-kd, ln2_hi, x));
    return FMA(exp_series(r), r, 1.0) * double_of((ki + 1023) << 52);
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

/* atanh(f) / f = sum of f^(2i) / (2i+1) for i = 0..16, from q = f^2.
 * Truncation < 2e-17 for |f| <= 1/3, where both callers use it. */
static inline double atanh_series(double q)
{
    double p = 1.0 / 33.0;
    p = FMA(p, q, 1.0 / 31.0);
    p = FMA(p, q, 1.0 / 29.0);
    p = FMA(p, q, 1.0 / 27.0);
    p = FMA(p, q, 1.0 / 25.0);
    p = FMA(p, q, 1.0 / 23.0);
    p = FMA(p, q, 1.0 / 21.0);
    p = FMA(p, q, 1.0 / 19.0);
    p = FMA(p, q, 1.0 / 17.0);
    p = FMA(p, q, 1.0 / 15.0);
    p = FMA(p, q, 1.0 / 13.0);
    p = FMA(p, q, 1.0 / 11.0);
    p = FMA(p, q, 1.0 / 9.0);
    p = FMA(p, q, 1.0 / 7.0);
    p = FMA(p, q, 1.0 / 5.0);
    p = FMA(p, q, 1.0 / 3.0);
    return FMA(p, q, 1.0);
}

/* log(1 + u) for 0 <= u <= 1: 2 atanh(u / (2 + u)), so a small u keeps its
 * digits (1 + u would round them away). */
static inline double log1p_unit(double u)
{
    double f = u / (2.0 + u);
    return 2.0 * f * atanh_series(f * f);
}

/* log(x) for a positive normal x: x = 2^e m with m in [sqrt(1/2), sqrt(2)),
 * log m = 2 atanh((m - 1) / (m + 1)); m - 1 is exact there. */
static inline double log_pos(double x)
{
    const double ln2_hi = 0x1.62e42fefa3800p-1, ln2_lo = 0x1.ef35793c76730p-45;
    uint64_t u = bits_of(x);
    int64_t e = (int64_t)(u >> 52) - 1023;
    double m = double_of((u & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
    if (m > 1.4142135623730951) {
        m *= 0.5;
        e++;
    }
    double f = (m - 1.0) / (m + 1.0);
    return (double)e * ln2_hi + (2.0 * f * atanh_series(f * f) + (double)e * ln2_lo);
}

/* b^t and c^t for a whole t >= 0, by repeated squaring (Adam's two
 * corrections at every step): the two chains side by side, and no branch to
 * mispredict. */
static inline void pow_whole_pair(double b, double c, int64_t t, double *bt, double *ct)
{
    double r = 1.0, q = 1.0;
    for (; t > 0; t >>= 1, b *= b, c *= c) {
        int odd = (int)(t & 1);
        r = odd ? r * b : r;
        q = odd ? q * c : q;
    }
    *bt = r;
    *ct = q;
}

/* log(1 + e^s) without overflow. */
static inline double softplus(double s)
{
    return (s > 0.0 ? s : 0.0) + log1p_unit(exp_neg(-fabs(s)));
}


/* The LANES partial sums folded in halves: one tree, whatever the width.
 * Unrolled whole, so the sums stay in registers: left as loops, GCC kept
 * them on the stack, and at a batch of 32 rows the stores and reloads cost
 * more than the sums. */
static inline double lanes_total(double *s)
{
#pragma GCC unroll 4
    for (int w = LANES / 2; w > 0; w /= 2)
#pragma GCC unroll 8
        for (int l = 0; l < w; l++)
            s[l] += s[l + w];
    return s[0];
}

/* Row r goes to partial sum r % LANES, in row order.  The sums step their
 * pointers rather than index them with int r + l: under -fwrapv (CPython's
 * flags) that sum may wrap, so the compiler could not prove the rows
 * contiguous and would gather them one by one. */
static inline double dot(const double *restrict x, const double *restrict y, int n)
{
    double s[LANES] = {0};
    for (; n >= LANES; n -= LANES, x += LANES, y += LANES)
        for (int l = 0; l < LANES; l++)
            s[l] = FMA(x[l], y[l], s[l]);
    for (int l = 0; l < n; l++)
        s[l] = FMA(x[l], y[l], s[l]);
    return lanes_total(s);
}

/* A hidden unit's three sums in one sweep: dot(a, ds), total(dz), dot(x, dz). */
static inline void unit_sums(const double *restrict a, const double *restrict ds,
                             const double *restrict x, const double *restrict dz, int n,
                             double *ads, double *sdz, double *xdz)
{
    double s[LANES] = {0}, t[LANES] = {0}, u[LANES] = {0};
    for (; n >= LANES; n -= LANES, a += LANES, ds += LANES, x += LANES, dz += LANES)
        for (int l = 0; l < LANES; l++) {
            s[l] = FMA(a[l], ds[l], s[l]);
            t[l] += dz[l];
            u[l] = FMA(x[l], dz[l], u[l]);
        }
    for (int l = 0; l < n; l++) {
        s[l] = FMA(a[l], ds[l], s[l]);
        t[l] += dz[l];
        u[l] = FMA(x[l], dz[l], u[l]);
    }
    *ads = lanes_total(s);
    *sdz = lanes_total(t);
    *xdz = lanes_total(u);
}

static inline double total(const double *restrict x, int n)
{
    double s[LANES] = {0};
    for (; n >= LANES; n -= LANES, x += LANES)
        for (int l = 0; l < LANES; l++)
            s[l] += x[l];
    for (int l = 0; l < n; l++)
        s[l] += x[l];
    return lanes_total(s);
}

#endif
