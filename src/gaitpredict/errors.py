"""Errors a user can act on: each names the file, the line/frame/channel, and what was expected."""


class GaitDataError(ValueError):
    """Base class for every problem with input data (files, channels, rates, datasets)."""


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


class LeakageError(GaitDataError):
    """An operation would let future or test data reach a model's inputs or statistics."""


def where(path, line=None, frame=None, channel=None) -> str:
    """Format a location as 'file, line N, frame N, channel X' for error messages."""
    parts = [str(path)]
    if line is not None:
        parts.append(f"line {line}")
    if frame is not None:
        parts.append(f"frame {frame}")
    if channel is not None:
        parts.append(f"channel {channel!r}")
    return ", ".join(parts)


class ExportError(GaitDataError):
    """An ONNX export, or an ONNX file, that cannot be trusted to match its checkpoint."""


class StreamError(GaitDataError):
    """A live stream that the predictor cannot use (channels, rate, transport)."""
