/* Numeric CSV: the fast path of tuinn's CSV loader (see csv.h).  Not part of
 * the training kernel: a module of its own, tuinn._csv.
 *
 * Python's own parsers take about 250 ns per number; this one takes a few ns
 * for the usual short decimals.  It only accepts what it is sure of and
 * returns TN_EPARSE for anything else (quotes, labels, missing cells, NaN,
 * a ragged line), leaving the error message to the careful Python path.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

/* Powers of ten that are exact doubles: w * 10^e and w / 10^e with w < 2^53
 * and e <= 22 are then one correctly rounded operation (Clinger's fast path). */
static const double exact_pow10[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* Padding around a cell: spaces and tabs, unless one of them is the delimiter. */
static int is_pad(char c, char delim) { return (c == ' ' || c == '\t') && c != delim; }

/* Parses one number at *pp; on success stores it, advances *pp and returns 1. */
static int parse_number(const char **pp, const char *end, double *value)
{
    const char *p = *pp, *start = p;
    int negative = 0, seen_digit = 0, exact = 1, significant = 0, exp10 = 0;
    uint64_t mantissa = 0;

    if (p < end && (*p == '+' || *p == '-'))
        negative = *p++ == '-';
    for (; p < end && is_digit(*p); p++, seen_digit = 1) {
        if (significant < 19) {
            mantissa = mantissa * 10 + (uint64_t)(*p - '0');
            significant += mantissa != 0;
        } else {
            exp10++;
            exact = 0;
        }
    }
    if (p < end && *p == '.') {
        for (p++; p < end && is_digit(*p); p++, seen_digit = 1) {
            if (significant < 19) {
                mantissa = mantissa * 10 + (uint64_t)(*p - '0');
                significant += mantissa != 0;
                exp10--;
            } else {
                exact = 0;
            }
        }
    }
    if (!seen_digit)
        return 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        int exp_negative = 0, e = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            exp_negative = *p++ == '-';
        if (p >= end || !is_digit(*p))
            return 0;
        for (; p < end && is_digit(*p); p++)
            if (e < 100000)
                e = e * 10 + (*p - '0');
        exp10 += exp_negative ? -e : e;
    }
    *pp = p;
    if (exact && mantissa <= (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
        double v = (double)mantissa;
        v = exp10 < 0 ? v / exact_pow10[-exp10] : v * exact_pow10[exp10];
        *value = negative ? -v : v;
        return 1;
    }
    /* Long or extreme numbers: the C library's correctly rounded strtod. */
    char token[512];     /* fits any double written out in full (%f of 1e308) */
    size_t n = (size_t)(p - start);
    if (n >= sizeof token)
        return 0;
    memcpy(token, start, n);
    token[n] = '\0';
    char *stop;
    double v = strtod(token, &stop);
    if (stop != token + n || !isfinite(v))
        return 0;
    *value = v;
    return 1;
}

int csv_parse_numbers(const char *text, int64_t len, char delim, int n_cols, double *out,
                 int64_t max_rows, int64_t *rows)
{
    if (!text || !out || !rows)
        return CSV_ENULL;
    if (n_cols < 1 || len < 0 || max_rows < 0)
        return CSV_ESIZE;
    const char *p = text, *end = text + len;
    int64_t r = 0;
    while (p < end) {
        const char *q = p;
        while (q < end && is_pad(*q, delim))
            q++;
        if (q == end)
            break;
        if (*q == '\r' || *q == '\n') {       /* a blank line */
            p = q + 1 + (*q == '\r' && q + 1 < end && q[1] == '\n');
            continue;
        }
        if (r == max_rows)
            return CSV_EPARSE;
        double *row = out + r * n_cols;
        for (int j = 0; j < n_cols; j++) {
            while (p < end && is_pad(*p, delim))
                p++;
            if (!parse_number(&p, end, &row[j]))
                return CSV_EPARSE;
            while (p < end && is_pad(*p, delim))
                p++;
            if (j < n_cols - 1) {
                if (p >= end || *p != delim)
                    return CSV_EPARSE;
                p++;
            }
        }
        /* A line ends in "\n", "\r\n" or a lone "\r", as Python reads text. */
        if (p < end) {
            if (*p == '\r')
                p += 1 + (p + 1 < end && p[1] == '\n');
            else if (*p == '\n')
                p++;
            else
                return CSV_EPARSE;
        }
        r++;
    }
    *rows = r;
    return CSV_OK;
}
