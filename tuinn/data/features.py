"""Derived input columns, as TensorFlow Playground's feature toggles add them
(`tuinn help math#derived-features`).

A setting's value is either a set of derived kinds, appended after the data's
own inputs (each input squared, the product of each pair of inputs, the sine
of each input: "square+sin"), or the net's inputs one by one, as Playground's
separate toggles choose them: "x1, x2^2, x1*x2, sin(x1)", where an input of
the data left out of the list is not seen by the net at all.

They are computed from the inputs as the net sees them (after standardizing,
when that is on).  A Dataset keeps its data's own inputs, which the app's fit
view plots against, as `own_X` (see Dataset)."""

import dataclasses
import itertools

import numpy as np

from tuinn.data import portable
from tuinn.errors import ConfigError
from tuinn.settings import FEATURE_SETS, feature_terms, term_text

MAX_DERIVED = 10_000        # beyond this, the pairs of a wide CSV would swamp the net


def chosen(features):
    """The kinds of a set's value ("square+sin" -> ("square", "sin")); () for
    "none" and for a list of inputs."""
    if features in (None, "none") or listed(features):
        return ()
    return tuple(features.split("+"))


def listed(features):
    """Whether `features` lists the net's inputs one by one (a setting's value
    is a set of kinds spelt as FEATURE_SETS does, or such a list)."""
    return features is not None and features not in FEATURE_SETS


def terms(features, base):
    """The net's inputs for data whose own inputs are named `base`, each a
    kind and the positions of its inputs: ("input", i), ("square", i),
    ("product", i, j) or ("sin", i).  By position, not name: a CSV may name two
    columns alike.  A ConfigError names a listed input the data lacks, or one
    its name leaves ambiguous."""
    base = list(base)
    if not listed(features):
        d = len(base)
        out = [("input", i) for i in range(d)]
        for kind in chosen(features):
            out += [("product", i, j) for i, j in itertools.combinations(range(d), 2)] \
                if kind == "product" else [(kind, i) for i in range(d)]
        return tuple(out)
    named = feature_terms(features)
    if named is None:
        raise ConfigError(f"data.features = {features!r}: give kinds, as "
                          "square+product+sin, or the net's inputs, as x1, x2^2, sin(x1)")
    return tuple((kind, *(_position(features, name, base) for name in names_))
                 for kind, *names_ in named)


def _position(features, name, base):
    if name not in base:
        raise ConfigError(f"data.features = {features!r}: the data has no input named "
                          f"{name!r}; its inputs are {', '.join(base)} (or choose derived "
                          f"kinds, as square+product+sin)")
    if base.count(name) > 1:
        raise ConfigError(f"data.features = {features!r}: {base.count(name)} inputs are named "
                          f"{name!r}; rename the columns, or choose derived kinds, as square")
    return base.index(name)


def label(term, base, typed=False):
    """A term's column name ("x1²", "x1·x2"), or as typed in a list ("x1^2")."""
    kind, *where = term
    return term_text((kind, *(base[i] for i in where)), typed)


def derive(X, features, base=None):
    """The net's inputs from rows X of the data's own inputs (named `base`,
    x1..xd by default): X itself when nothing is derived."""
    if features in (None, "none"):
        return X
    base = list(base) if base is not None else [f"x{j + 1}" for j in range(X.shape[1])]
    parts = []
    for kind, *where in terms(features, base):
        x = X[:, where[0]]
        if kind == "input":
            parts.append(x)
        elif kind == "square":
            parts.append(x * x)
        elif kind == "product":
            parts.append(x * X[:, where[1]])
        else:
            parts.append(portable.sin(x))
    return np.column_stack(parts) if parts else np.empty((len(X), 0))


def names(base, features):
    """The column names of derive(X, features) for inputs named `base`."""
    base = list(base)
    return [label(t, base) for t in terms(features, base)]


def count(d, features):
    """How many derived columns the kinds of `features` add to d inputs:
    counted, not listed, so that a wide CSV's pairs are refused before any
    is made."""
    added = {"square": d, "product": d * (d - 1) // 2, "sin": d}
    return sum(added[kind] for kind in chosen(features))


def add(ds, features):
    """The Dataset whose inputs are what `features` makes of `ds`'s own, for
    its training and test rows."""
    if features in (None, "none"):
        return ds
    if "product" in chosen(features) and ds.n_inputs < 2:
        raise ConfigError(f"data.features = {features!r}: product needs two inputs or more; "
                          f"{ds.name} has {ds.n_inputs}: leave out product")
    if not listed(features):
        added = count(ds.n_inputs, features)
        if added > MAX_DERIVED:
            raise ConfigError(f"data.features = {features!r} adds {added:,} columns to "
                              f"{ds.n_inputs:,} inputs (at most {MAX_DERIVED:,}): leave out "
                              "product, or choose fewer inputs")
    base = ds.feature_names
    new_names = names(base, features)
    kept = listed(features) and new_names[:len(base)] != base
    return dataclasses.replace(
        ds, X=derive(ds.X, features, base),
        X_test=None if ds.X_test is None else derive(ds.X_test, features, base),
        feature_names=new_names, base_inputs=ds.n_inputs, features=features,
        own_names=list(base) if kept else None,
        own_X=ds.X if kept else None, own_X_test=ds.X_test if kept else None)


def toggles(base):
    """Every input a net may be given from data with inputs `base`, in
    Playground's order: the inputs, their squares, their products, their sines."""
    return terms("square+product+sin", list(base))


def value_of(picked, base):
    """The setting's value that gives the net the inputs `picked` (terms of
    toggles(base)): the set of kinds when one gives exactly these, in order,
    else the list."""
    picked = tuple(picked)
    if not picked:
        raise ConfigError("no input ticked leaves the net no input: tick one or more")
    for kinds in FEATURE_SETS:
        if terms(kinds, list(base)) == picked:
            return kinds
    return ", ".join(label(t, list(base), typed=True) for t in picked)
