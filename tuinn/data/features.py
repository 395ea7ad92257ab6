"""Derived input columns, as TensorFlow Playground's feature toggles add them:
each input squared, the product of each pair of inputs, the sine of each
input (docs/math.md#derived-features).

They are computed from the inputs as the net sees them (after standardizing,
when that is on) and appended after them; the first `base_inputs` columns of
a Dataset stay the data's own, which the app's fit view plots against."""

import dataclasses
import itertools

import numpy as np

from tuinn.data import portable
from tuinn.errors import ConfigError

MAX_DERIVED = 10_000        # beyond this, the pairs of a wide CSV would swamp the net


def chosen(features):
    """The features of a setting's value ("square+sin" -> ("square", "sin"))."""
    return () if features in (None, "none") else tuple(features.split("+"))


def derive(X, features):
    """X with its derived columns appended (X itself when there are none)."""
    parts = [X]
    for feature in chosen(features):
        if feature == "square":
            parts.append(X * X)
        elif feature == "product":
            pairs = list(itertools.combinations(range(X.shape[1]), 2))
            parts.append(np.column_stack([X[:, i] * X[:, j] for i, j in pairs])
                         if pairs else np.empty((len(X), 0)))
        else:
            parts.append(portable.sin(X))
    return np.hstack(parts) if len(parts) > 1 else X


def names(base, features):
    """The column names of derive(X, features) for inputs named `base`."""
    out = list(base)
    for feature in chosen(features):
        if feature == "square":
            out += [f"{n}²" for n in base]
        elif feature == "product":
            out += [f"{a}·{b}" for a, b in itertools.combinations(base, 2)]
        else:
            out += [f"sin({n})" for n in base]
    return out


def count(d, features):
    """How many derived columns `features` adds to d inputs."""
    return len(names([""] * d, features)) - d


def add(ds, features):
    """The Dataset with `features`' columns appended to its training and test inputs."""
    if not chosen(features):
        return ds
    if "product" in chosen(features) and ds.n_inputs < 2:
        raise ConfigError(f"data.features = {features!r}: product needs two inputs or more; "
                          f"{ds.name} has {ds.n_inputs}: leave out product")
    added = count(ds.n_inputs, features)
    if added > MAX_DERIVED:
        raise ConfigError(f"data.features = {features!r} adds {added:,} columns to "
                          f"{ds.n_inputs:,} inputs (at most {MAX_DERIVED:,}): leave out "
                          "product, or choose fewer inputs")
    return dataclasses.replace(
        ds, X=derive(ds.X, features),
        X_test=None if ds.X_test is None else derive(ds.X_test, features),
        feature_names=names(ds.feature_names, features), base_inputs=ds.n_inputs,
        features=features)
