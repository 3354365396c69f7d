"""Errors a user can act on: each names the file, the line/frame/channel, and what was expected.

GaitPredictError                 every error this package raises on purpose
├── GaitDataError (ValueError)   input data: files, channels, rates, datasets
│   ├── FileFormatError          a file not laid out as its format requires
│   │   └── FrameCountError      declared and actual frame counts disagree
│   ├── ChannelError             unknown, missing or miscounted channels
│   ├── MissingAnglesError       markers only; joint angles need a segment model
│   ├── RateMismatchError        recordings, streams and models disagree on the rate
│   ├── ChecksumError            a dataset file's sha256 differs from its manifest
│   ├── DatasetNotFoundError     a dataset neither on disk nor downloadable
│   └── LeakageError             future or test data would reach a model
├── ConfigError (ValueError)     settings: models, options, grids, splits, executors
├── CheckpointError              a checkpoint that cannot be loaded or trusted
├── ExportError                  an ONNX export or file that does not match its checkpoint
├── StreamError                  a live stream the predictor cannot use (transport)
└── RunError                     experiments: failed runs, dead workers, results folders
"""


class GaitPredictError(Exception):
    """Base class of every error gaitpredict raises on purpose; the CLI prints these."""


class GaitDataError(GaitPredictError, ValueError):
    """A problem with input data (files, channels, rates, datasets)."""


class FileFormatError(GaitDataError):
    """A file is empty, truncated, binary garbage, or not laid out as its format requires."""


class FrameCountError(FileFormatError):
    """A file's declared number of frames disagrees with the frames it holds."""


class ChannelError(GaitDataError):
    """A channel or joint name is unknown, or a required channel is missing."""


class MissingAnglesError(GaitDataError):
    """A file holds marker trajectories only; joint angles need a segment model."""


class RateMismatchError(GaitDataError):
    """Recordings or a model and its data disagree on the sampling rate."""


class ChecksumError(GaitDataError):
    """A dataset file's sha256 differs from the manifest."""


class DatasetNotFoundError(GaitDataError):
    """A dataset is neither on disk nor downloadable."""


class NotApplicableError(GaitDataError):
    """A run that cannot exist on this data (e.g. leave-one-subject-out in a lab with one
    subject): recorded as not applicable, not as a failure."""


class LeakageError(GaitDataError):
    """An operation would let future or test data reach a model's inputs or statistics."""


class ConfigError(GaitPredictError, ValueError):
    """A setting is unknown or out of range: a model, a model option, a grid, a split."""


class CheckpointError(GaitPredictError):
    """A checkpoint file is missing, corrupt, of another format, or does not fit its model."""


class ExportError(GaitPredictError):
    """An ONNX export, or an ONNX file, that cannot be trusted to match its checkpoint."""


class StreamError(GaitPredictError):
    """A live stream that the predictor cannot use (transport, stream discovery)."""


class RunError(GaitPredictError):
    """An experiment could not complete: runs raised, a worker died, a results folder is bad."""


class MissingExtraError(GaitPredictError, ImportError):
    """An optional dependency group is not installed; the message names the pip command."""
