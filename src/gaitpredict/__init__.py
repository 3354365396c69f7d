"""gaitpredict: predict knee and ankle angles 50-200 ms ahead from limb motion."""

__version__ = "0.2.0"

__all__ = ["Trial", "load_dataset", "read_trial", "load_predictor", "__version__"]


def __getattr__(name):
    if name == "Trial":
        from .data.trial import Trial

        return Trial
    if name == "load_dataset":
        from .data.datasets import load_dataset

        return load_dataset
    if name == "read_trial":
        from .data.io import read_trial

        return read_trial
    if name == "load_predictor":
        from .evaluation.predictor import load_predictor

        return load_predictor
    raise AttributeError(name)
