"""Runs: their description (`spec`), the live run (`run`), experiments on
copies of a run (`experiments`), run folders (`store`) and where tuinn keeps
its own (`paths`)."""

from tuinn.runs.run import Run, load_data
from tuinn.runs.spec import DataSpec, InitSpec, ModelSpec, RunSpec, TrainSpec

__all__ = ["Run", "RunSpec", "DataSpec", "ModelSpec", "InitSpec", "TrainSpec", "load_data"]
