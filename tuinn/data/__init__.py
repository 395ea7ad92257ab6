"""The data layer: `Dataset` and its splitting and scaling (`dataset`), the
generated data sets (`generators`) and CSV files (`csv`).  numpy and the
standard library only, shared by the command line, run files and the app."""

from tuinn.data.csv import is_number, load_csv, load_inputs
from tuinn.data.dataset import (
                                TASKS,
                                Dataset,
                                Standardizer,
                                accuracy,
                                decode_labels,
                                encode_labels,
                                mean_square,
                                split,
                                standardize,
)
from tuinn.data.generators import GENERATORS, generate, generator_params, noise_steps

__all__ = ["TASKS", "Dataset", "Standardizer", "accuracy", "decode_labels", "encode_labels",
           "mean_square", "split",
           "standardize", "GENERATORS", "generate", "generator_params", "noise_steps", "is_number",
           "load_csv", "load_inputs"]
