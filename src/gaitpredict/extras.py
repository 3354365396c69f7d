"""What needs the `train` extra, and the one way to ask for it.

`pip install gaitpredict` is the runtime a deployed predictor needs (numpy, scipy, pandas,
matplotlib, onnxruntime): the shipped models' ONNX files, `models`, `predict`, `stream`,
`publish`, `bench-latency` and online adaptation. Training, reproduction, offline
calibration (`adapt`), export and PyTorch checkpoints (`.pt`) need `gaitpredict[train]`, which
holds the pinned torch. Code that needs torch outside a module that imports it at the top
asks here (`require_torch`), so a runtime without it gets a `MissingExtraError` naming the
pip command, never a bare ImportError from inside the package. (The other extras, `c3d`,
`lsl` and `ray`, are asked for where their one reader, transport or executor lives.)
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

from .errors import MissingExtraError

TRAIN = "pip install 'gaitpredict[train]'"
NEEDS_TORCH = "training, reproduction, offline calibration, export and PyTorch checkpoints"


def has_torch() -> bool:
    """torch can be imported (looked up, not imported: cheap; False when blocked by a None in
    `sys.modules`, as the tests block it)."""
    if "torch" in sys.modules:
        return sys.modules["torch"] is not None
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False


def is_missing_torch(exc: ImportError) -> bool:
    """The ImportError is torch (or one of its modules) not being installed."""
    return exc.name is not None and exc.name.split(".")[0] == "torch"


def require_torch(what: str | None = None):
    """torch, imported; a `MissingExtraError` naming `gaitpredict[train]` without it."""
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise missing_torch(what) from None


def missing_torch(what: str | None = None) -> MissingExtraError:
    return MissingExtraError(
        f"{what or NEEDS_TORCH} needs PyTorch, which this installation does not have "
        f"(the runtime predicts with the shipped ONNX models): {TRAIN}"
    )
