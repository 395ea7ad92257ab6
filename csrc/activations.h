/* The hidden activations g, each one a pair side by side: its value g(z) and
 * its backward step, which turns dL/dA into dL/dZ = dL/dA * g'(z) from z or
 * from a = g(z) (docs/math.md#shapes-and-forward-pass).  The output layer's
 * elementwise activations (linear, sigmoid, tanh) are the same pairs.
 *
 * A new activation: its code in tuinn.h's enum, its pair here, its line in
 * HIDDEN_ACTIVATIONS, and its row in tuinn/activations.py.
 */
#ifndef TUINN_ACTIVATIONS_H
#define TUINN_ACTIVATIONS_H
#include "numerics.h"
#include "tuinn.h"

/* Slope of leaky_relu for z <= 0. */
#define LEAKY_SLOPE 0.01

static inline double linear_value(double z)
{
    return z;
}

static inline double linear_backward(double z, double a, double d)
{
    (void)z, (void)a;
    return d;
}

static inline double sigmoid_value(double z)
{
    return sigmoid(z);
}

static inline double sigmoid_backward(double z, double a, double d)
{
    (void)z;
    return d * (a * (1.0 - a));
}

static inline double tanh_value(double z)
{
    return tanh_v(z);
}

static inline double tanh_backward(double z, double a, double d)
{
    (void)z;
    return d * (1.0 - a * a);
}

/* The piecewise-linear ones choose rather than multiply: d * 0.0 would give
 * a negative d's -0.0, and NaN for an infinite d.  At z = 0 they take the
 * slope from the left. */
static inline double relu_value(double z)
{
    return z > 0.0 ? z : 0.0;
}

static inline double relu_backward(double z, double a, double d)
{
    (void)a;
    return z > 0.0 ? d : 0.0;
}

static inline double leaky_relu_value(double z)
{
    return z > 0.0 ? z : LEAKY_SLOPE * z;
}

static inline double leaky_relu_backward(double z, double a, double d)
{
    (void)a;
    return z > 0.0 ? d : LEAKY_SLOPE * d;
}

static inline double softplus_value(double z)
{
    return softplus(z);
}

static inline double softplus_backward(double z, double a, double d)
{
    (void)a;
    return d * sigmoid(z);
}

/* Every hidden activation, as X(its code, the name of its pair). */
#define HIDDEN_ACTIVATIONS(X)       \
    X(TN_LINEAR, linear)            \
    X(TN_SIGMOID, sigmoid)          \
    X(TN_TANH, tanh)                \
    X(TN_RELU, relu)                \
    X(TN_LEAKY_RELU, leaky_relu)    \
    X(TN_SOFTPLUS, softplus)

/* g'(z): the backward step of dL/dA = 1. */
static inline double derivative(int g, double z, double a)
{
    switch (g) {
#define DERIVATIVE_CASE(code, name) \
    case code:                      \
        return name##_backward(z, a, 1.0);
        HIDDEN_ACTIVATIONS(DERIVATIVE_CASE)
#undef DERIVATIVE_CASE
    }
    return 1.0;
}

#endif
