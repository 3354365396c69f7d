"""`StreamingPredictor`: frames arrive one at a time; once a window is full, every push
returns the prediction `horizon_ms` ahead.

Bounded state: a ring buffer of two windows (each frame written twice, so the current
window is always one contiguous slice) and buffers allocated once. Late or missing frames
and non-finite values are bridged by holding the last good value for up to `max_gap_ms`
(flagged `bridged`); a longer gap resets the predictor, which then warms up again.

With `adapt=True` the predictor also learns its wearer while streaming
(`adaptation.online`): each prediction is checked against the truth `horizon_ms` later and
corrects the predictions after it. A gap or `reset()` keeps what was learned;
`forget_adaptation()` drops it; `save_adaptation`/`load_adaptation` carry it between sessions.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..adaptation.online import AdaptConfig, OnlineAdapter
from ..atomic import write_json
from ..data import rates
from ..data.channels import CHANNELS
from ..data.plausibility import MAX_ABS_DEG
from ..data.rates import CausalConverter
from ..errors import (
    ChannelError,
    ConfigError,
    ExportError,
    MissingExtraError,
    RateMismatchError,
    StreamError,
)
from ..evaluation.intervals import (
    DEFAULT_COVERAGE,
    NO_CALIBRATION,
    Calibration,
    check_coverage,
    stored_calibration,
)
from ..models import graph, model_info
from ..models.graph import OnnxModel
from ..models.online import OnlineModel
from ..windowing.gaps import BREAK, HELD, WAIT, GapBridge
from .backends import OnlineBackend, OnnxBackend, TorchBackend
from .intervals import StreamIntervals

log = logging.getLogger(__name__)
RATE_CHECK_INTERVALS = 20


@dataclass(frozen=True, slots=True)
class Prediction:
    values_deg: np.ndarray  # (outputs,), the checkpoint's target order (horizon-major)
    time_s: float  # time of the newest frame used
    target_time_s: float  # the time the (last) prediction is for: time_s + horizon
    bridged: bool  # the window holds frames held across a gap or non-finite values
    unadapted_deg: np.ndarray | None = None  # with adapt: the population model's prediction
    lo_deg: np.ndarray | None = None  # with intervals: the bounds at the stated coverage
    hi_deg: np.ndarray | None = None


class StreamingPredictor:
    """Push frames (a mapping channel -> degrees, or an array in `channels` order)."""

    def __init__(self, model, spec, model_name: str, backend: str = "auto", onnx_source=None,
                 max_gap_ms: float = 50.0, stream_rate_hz: float | None = None,
                 rate_tolerance: float = 0.05, adapt: bool | AdaptConfig = False,
                 calibration: Calibration | None = None,
                 coverage: float | None = None):  # fmt: skip
        self.spec, self.model_name = spec, model_name
        self.channels = tuple(spec.inputs)
        self.rate_hz = float(spec.rate_hz)
        self.horizon_s = spec.horizon_frames / self.rate_hz
        self.max_gap_ms, self.rate_tolerance = float(max_gap_ms), rate_tolerance
        self.stream_rate_hz = self.rate_hz
        self._converter: CausalConverter | None = None
        if stream_rate_hz is not None:
            self.set_stream_rate(float(stream_rate_hz), "the stream's declared rate")
        backend = self._choose(model, model_name, backend)
        # onnxruntime runs the graph in float32 (it has no float64 Conv or LSTM); the torch
        # backend runs in float64, like offline prediction
        dtype = np.float32 if backend == "onnx" else np.float64
        w, c = spec.window_frames, len(self.channels)
        self._w = w
        self._ring = np.zeros((2 * w, c), dtype=dtype)
        self._x = np.zeros((1, w, c), dtype=dtype)
        self._out = np.zeros(spec.n_outputs, dtype=np.float64)
        self._frame = np.zeros(c, dtype=dtype)
        self._bridge = GapBridge(c, self.rate_hz, self.max_gap_ms, dtype)
        self._index = {ch: k for k, ch in enumerate(self.channels)}
        self.adapter = self._adapter(model, adapt)
        self.intervals = self._intervals_for(calibration, coverage)
        self._features = np.zeros(self.adapter.d - 1, dtype=dtype) if self.adapter else None
        self._adapted = np.zeros(spec.n_outputs, dtype=np.float64)
        self._known_keys: frozenset | None = None
        self._intervals = np.zeros(RATE_CHECK_INTERVALS)
        self._n_intervals = 0
        self.backend = self._backend(model, backend, onnx_source)
        self._online = self.backend if backend == "online" else None
        self.resets = self.ignored = self.bridged_frames = self.clock_restarts = 0
        self._refusal: str | None = None
        self.last_reset: str | None = None
        self._last_t: float | None = None
        self.reset("start")

    @classmethod
    def from_checkpoint(cls, path, backend: str = "auto", onnx_path=None, target=None,
                        horizon_ms=None, rate_hz=None, **kwargs):  # fmt: skip
        """A checkpoint or ONNX file, a shipped model's name, or a model that needs no
        training by name with its `target`, `horizon_ms` and `rate_hz`
        (`evaluation.untrained`). A shipped model streams on onnxruntime from its shipped
        ONNX file (no export, no torch); `backend="torch"` runs its PyTorch checkpoint."""
        from ..evaluation.untrained import load_model

        onnx = backend != "torch" and onnx_path is None
        model, spec, payload = load_model(path, target, horizon_ms, rate_hz, onnx=onnx)
        if "calibration" not in kwargs:
            kwargs["calibration"] = stored_calibration(payload, str(path))
        return cls(model, spec, payload["model_name"], backend, onnx_path, **kwargs)

    @classmethod
    def from_pretrained(cls, name: str, backend: str = "auto", **kwargs):
        """A shipped model by name (`gaitpredict models` lists them)."""
        from ..pretrained import pretrained_path

        return cls.from_checkpoint(pretrained_path(name), backend, **kwargs)

    @staticmethod
    def _choose(model, model_name: str, backend: str) -> str:
        if backend not in ("auto", "onnx", "torch"):
            raise ConfigError(f"backend must be auto, onnx or torch, got {backend!r}")
        if isinstance(model, OnlineModel):
            return "online"  # it learns in Python, frame by frame: no graph to run
        if isinstance(model, OnnxModel):
            if backend == "torch":
                raise ConfigError(
                    f"{model.path} is an ONNX file: the torch backend runs a PyTorch "
                    "checkpoint (.pt)"
                )
            return "onnx"
        if backend == "auto":
            try:
                graph.require_onnxruntime()
                return "onnx" if model_info(model_name).exportable else "torch"
            except MissingExtraError:
                return "torch"
        return backend

    def _backend(self, model, backend: str, onnx_source):
        f = self._features
        if backend == "online":
            return OnlineBackend(copy.deepcopy(model), self._x, self._out)
        if backend == "torch":
            return TorchBackend(copy.deepcopy(model).double(), self._x, self._out, f)
        if isinstance(model, OnnxModel):  # its session is shared: each stream binds its own
            sess, onnx_source = model.session, model.path
        elif onnx_source is None:
            from . import export  # the train extra: the checkpoint's network, exported now

            sess = graph.session(export.export_bytes(model, self.spec, self.model_name))
        else:
            sess = graph.session(onnx_source)
        if onnx_source is not None:
            graph.check_matches(sess, self.spec, str(onnx_source))
        return OnnxBackend(sess, self._x, self._out, f, str(onnx_source or "the ONNX model"))

    def _adapter(self, model, adapt) -> OnlineAdapter | None:
        if adapt is False or adapt is None:
            return None
        if isinstance(model, OnlineModel):
            raise ConfigError(
                f"{self.model_name} learns its wearer by itself; --adapt is for networks"
            )
        if self.spec.multi_horizon:
            raise ConfigError(
                "online adaptation needs a single-horizon model (this one predicts every "
                f"step to {self.spec.horizon_ms:g} ms)"
            )
        if not set(self.spec.target) <= set(self.channels):
            raise ConfigError(
                f"online adaptation checks each prediction against the streamed truth, so the "
                f"target {list(self.spec.target)} must be among the inputs"
            )
        return OnlineAdapter(
            _n_features(model),
            self.spec.target_in_inputs,
            self.spec.horizon_frames,
            self.rate_hz,
            adapt if isinstance(adapt, AdaptConfig) else AdaptConfig(),
            model_id=_model_id(model, self.spec),
        )

    def _intervals_for(self, calibration, coverage) -> StreamIntervals | None:
        """Intervals at `coverage` (None: 90 % when the model is calibrated, else none),
        adapted online when the target is among the inputs (its truth then arrives)."""
        if coverage is None and calibration is None:
            return None
        c = check_coverage(DEFAULT_COVERAGE if coverage is None else coverage)
        if calibration is None:
            raise ConfigError(NO_CALIBRATION.format(what=f"model {self.model_name}"))
        online = set(self.spec.target) <= set(self.channels)
        return StreamIntervals(calibration, c, self.spec, online)

    # -- the wearer ----------------------------------------------------------------------
    def _need_adapter(self) -> OnlineAdapter:
        if self.adapter is None:
            raise ConfigError("this predictor does not adapt; create it with adapt=True")
        return self.adapter

    def save_adaptation(self, path):
        """What was learned about the wearer (with intervals: their recent errors and level
        too), to a JSON file for the next session. For an online model: what it learned."""
        if self._online is not None:
            return write_json(path, {"online_model": self.model_name,
                                     "model_id": self._online_id(),
                                     "learned": self.online_model.learned()})  # fmt: skip
        state = self._need_adapter().state()
        if self.intervals is not None and self.intervals.online is not None:
            state["intervals"] = self.intervals.online.state()
        return write_json(path, state)

    def load_adaptation(self, path) -> None:
        """Restore a saved adaptation (refused when saved for another model), and the
        interval's state when the file holds one."""
        if self._online is not None:
            return self._load_online(path)
        self._need_adapter().load(path)
        if self.intervals is not None and self.intervals.online is not None:
            import json

            saved = json.loads(Path(path).read_text()).get("intervals")
            if saved is not None:
                self.intervals.online.load_state(saved, str(path))

    def forget_adaptation(self) -> None:
        """Back to the population model (a new wearer); an online model forgets all."""
        if self._online is not None:
            return self.online_model.forget()
        self._need_adapter().forget()
        if self.intervals is not None:
            self.intervals.forget()

    def _online_id(self) -> str:
        """An online model's identity: its name, settings and spec (it has no weights)."""
        cfg = self.online_model.cfg
        text = repr((self.model_name, sorted(vars(cfg).items()), self.spec.to_dict()))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def _load_online(self, path) -> None:
        import json

        try:
            saved = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{path}: not a saved state ({exc})") from None
        if not isinstance(saved, dict) or saved.get("model_id") != self._online_id():
            raise ConfigError(
                f"{path}: saved for {saved.get('online_model') if isinstance(saved, dict) else '?'}"
                f" with other settings or another target, horizon or rate; this predictor is "
                f"{self.model_name} ({self.spec.target[0]}, {self.spec.horizon_ms:g} ms, "
                f"{self.rate_hz:g} Hz)"
            )
        self.online_model.restore(saved.get("learned") or {}, str(path))

    # -- state ---------------------------------------------------------------------------
    def reset(self, reason: str = "reset by the caller") -> None:
        """Forget the window (the next `window_frames` pushes warm up again) and any refusal
        of the stream's rate, which is then checked anew."""
        self._refusal = None
        self._n_intervals = 0
        self._last_t = None  # the caller's clock may start again
        if self._converter is not None:
            self._converter.reset()
            self._stream_last_t = None
        self._restart(reason, logging.INFO)  # the caller knows; gaps found here warn

    def _restart(self, reason: str, level: int = logging.WARNING) -> None:
        self._pos = self._filled = 0
        self._since_held = self._w  # frames since the last held frame
        self._bridge.restart()
        if self.adapter is not None:
            self.adapter.interrupt()
        if self.intervals is not None:
            self.intervals.interrupt()
        if self._online is not None:
            self._online.interrupt()
        self.status = f"warming up ({reason})"
        if reason != "start":
            self.resets += 1
            self.last_reset = reason
            log.log(level, "streaming predictor reset: %s", reason)

    @property
    def online_model(self):
        """The online model learning the wearer (`models.online`), or None for a network."""
        return self._online.model if self._online is not None else None

    @property
    def ready(self) -> bool:
        return self._filled >= self._w

    # -- the hot path --------------------------------------------------------------------
    def push(self, frame, timestamp: float | None = None) -> Prediction | None:
        """One frame -> a Prediction once the window is full, else None (see `status`).

        Values that are missing (NaN) or impossible (inf, beyond +-360 deg) are bridged like
        missing frames. A stream refused for its rate stays refused until `reset()`."""
        if self._refusal is not None:
            raise RateMismatchError(self._refusal + " (refused until reset())")
        self._read(frame)
        if self._converter is not None:
            return self._push_converted(timestamp)
        t = self._time(timestamp)
        if self._converter is not None:  # the timestamps just showed another stream rate
            return self._push_converted(timestamp)
        if t is None:
            return None
        return self._step(t)

    def _step(self, t: float) -> Prediction | None:
        """The frame in `self._frame`, at model-grid time t: bridge, buffer, predict."""
        state = self._bridge.step(self._frame)  # the rule offline windows follow (gaps.py)
        if state == WAIT:
            self.status = "waiting: no finite value yet for " + self._bad_channels()
            return None
        if state == BREAK:
            self._gap_reset(f"non-finite {self._bad_channels()}")
            return None
        self._write(self._frame, state == HELD)
        if self._filled < self._w:
            after = f", after a reset: {self.last_reset}" if self.last_reset else ""
            self.status = f"warming up ({self._filled}/{self._w} frames{after})"
            return None
        np.copyto(self._x[0], self._ring[self._pos : self._pos + self._w])
        self.backend.run()
        bridged = self._since_held < self._w
        self.status = "bridged" if bridged else "ok"
        if self._online is not None:
            self.status += f" ({self._online.model.status})"
        if self.adapter is None:
            values, unadapted = self._out.copy(), None
        else:
            self.adapter.correct(self._features, self._out, not bridged, self._adapted)
            values, unadapted = self._adapted.copy(), self._out.copy()
        if self.intervals is None:
            return Prediction(values, t, t + self.horizon_s, bridged, unadapted)
        hw = self.intervals.half_width(values, bridged)
        return Prediction(values, t, t + self.horizon_s, bridged, unadapted, values - hw,
                          values + hw)  # fmt: skip

    def _read(self, frame) -> None:
        if isinstance(frame, Mapping):
            keys = frame.keys()
            if self._known_keys is None or keys != self._known_keys:
                self._check_names(keys)
                self._known_keys = frozenset(keys)
            try:
                for ch, k in self._index.items():
                    self._frame[k] = frame[ch]
            except (TypeError, ValueError):
                raise ChannelError(
                    f"channel {ch!r}: {frame[ch]!r} is not a number (degrees expected)"
                ) from None
            return
        try:
            values = np.asarray(frame, dtype=self._frame.dtype)
        except (TypeError, ValueError):
            raise ChannelError(
                f"frame {list(frame)[:6]!r}: not numbers; expected {len(self.channels)} "
                "angles in degrees"
            ) from None
        if values.shape != self._frame.shape:
            raise ChannelError(
                f"frame has {values.size} values in shape {values.shape}; this model takes "
                f"{len(self.channels)} channels in this order: {', '.join(self.channels)}"
            )
        self._frame[:] = values

    def _check_names(self, keys) -> None:
        unknown = sorted(set(keys) - set(CHANNELS))
        if unknown:
            raise ChannelError(
                f"frame has unknown channel name(s) {unknown}; channels are named like "
                f"{', '.join(self.channels[:3])} (see gaitpredict.data.channels.CHANNELS)"
            )
        missing = [ch for ch in self.channels if ch not in keys]
        if missing:
            raise ChannelError(f"frame lacks channel(s) {missing} that the model needs")

    def _time(self, timestamp) -> float | None:
        """The frame's time; fills or resets across gaps; None when the frame is ignored."""
        t, last = self._stamp(timestamp, self._last_t, self.rate_hz)
        if t is None:
            return None
        if last is None:
            self._last_t = None  # a first frame, or a clock restart
        if last is not None and timestamp is not None:
            steps = round((t - last) * self.rate_hz)
            if steps < 1:
                return self._ignore(f"timestamp {t:.6f} s is under half a frame after the last")
            self._note_interval(t - last)
            missing = steps - 1
            # frames missing before a window has started need no bridging
            if missing and self._filled:
                if self._bridge.hold(missing):
                    for _ in range(missing):
                        self._write(self._bridge.last_good, held=True)
                else:
                    self._gap_reset("missing frames")
        self._last_t = t
        return t

    def _stamp(self, timestamp, last: float | None, rate_hz: float):
        """(t, last): the frame's time (None when the frame is ignored) and the previous
        frame's time (None after a clock restart or before the first frame). Without a
        timestamp, frames are `1 / rate_hz` apart."""
        if timestamp is None:
            return (0.0 if last is None else last + 1.0 / rate_hz), last
        try:
            t = float(timestamp)
        except (TypeError, ValueError):
            raise StreamError(f"timestamp {timestamp!r} is not a number (seconds)") from None
        if not math.isfinite(t):
            return self._ignore(f"non-finite timestamp {timestamp!r}"), last
        if last is not None and t < last - self.max_gap_ms / 1000.0:
            self.clock_restarts += 1
            if self._converter is not None:
                self._converter.reset()
            self._restart(f"clock restart: timestamp {t:.6f} s after {last:.6f} s")
            return t, None
        if last is not None and t <= last:
            return self._ignore(f"timestamp {t:.6f} s is not after {last:.6f} s"), last
        return t, last

    def _gap_reset(self, why: str) -> None:
        self._restart(f"{why}: gap of {self._bridge.gap_ms:.0f} ms > {self.max_gap_ms:g} ms")

    def _write(self, values: np.ndarray, held: bool) -> None:
        p = self._pos
        self._ring[p] = values
        self._ring[p + self._w] = values
        self._pos = (p + 1) % self._w
        self._filled = min(self._filled + 1, self._w)
        if self.adapter is not None:
            self.adapter.observe(values, held)
        if self.intervals is not None:
            self.intervals.observe(values, held)
        if self._online is not None:
            self._online.observe(values, held)
        if held:
            self._since_held = 0
            self.bridged_frames += 1
        else:
            self._since_held += 1

    def _ignore(self, why: str):
        self.ignored += 1
        self.status = f"ignored: {why}"
        return None

    def _bad_channels(self) -> str:
        """The channels the bridge found missing or impossible in the last frame."""
        return ", ".join(self.channels[k] for k in np.flatnonzero(~self._bridge.finite))

    def _note_interval(self, dt: float) -> None:
        if self._n_intervals < RATE_CHECK_INTERVALS:
            self._intervals[self._n_intervals] = dt
            self._n_intervals += 1
            if self._n_intervals == RATE_CHECK_INTERVALS:
                self.check_rate(1.0 / float(np.median(self._intervals)), "the timestamps")

    def check_rate(self, rate_hz: float, source: str) -> None:
        """A stream whose timestamps show another rate than expected: converted causally
        from then on when the model accepts that rate (the window warms up again), else
        refused naming both rates."""
        expected, rate_hz = self.stream_rate_hz, round(rate_hz, 6)
        if abs(rate_hz - expected) <= self.rate_tolerance * expected:
            return
        try:
            self.set_stream_rate(rate_hz, source)
        except RateMismatchError as exc:
            self._refusal = str(exc)
            raise
        self._restart(f"{source} give {rate_hz:.1f} Hz: converting causally to {self.rate_hz:g} Hz")

    def set_stream_rate(self, rate_hz: float, source: str = "the stream") -> None:
        """Frames will arrive at `rate_hz`; a rate other than the model's is converted
        causally to the model's grid (`data.rates`) within `accepted_rates`."""
        if rates.same_rate(rate_hz, self.rate_hz):
            self.stream_rate_hz, self._converter = self.rate_hz, None
            return
        rates.check_accepted(rate_hz, self.rate_hz, source)
        self.stream_rate_hz = float(rate_hz)
        self._converter = rates.CausalConverter(rate_hz, self.rate_hz)
        self._stream_last_t: float | None = None
        self._n_intervals = 0

    def _push_converted(self, timestamp) -> Prediction | None:
        """A frame of a stream at another rate: the model-grid frames it makes due, each
        computed from frames at or before its time, go through the usual path."""
        t, last = self._stamp(timestamp, self._stream_last_t, self.stream_rate_hz)
        if t is None:
            return None
        if last is not None and timestamp is not None:
            self._note_interval(t - last)
        self._stream_last_t = t
        values = self._frame.astype(np.float64)
        values[~(np.abs(values) <= MAX_ABS_DEG)] = np.nan  # impossible: bridged downstream
        result = None
        for t_grid, grid_frame in self._converter.push(t, values):
            self._frame[:] = grid_frame
            self._last_t = t_grid
            p = self._step(t_grid)
            result = p if p is not None else result
        return result


def _n_features(model) -> int:
    """What the network's last linear layer reads: from the ONNX graph's `features` output,
    or from a PyTorch network's layer."""
    if isinstance(model, OnnxModel):
        if model.n_features is None:
            raise ExportError(
                f"{model.path}: has no '{graph.FEATURES}' output, which online adaptation "
                "needs; export it again with this version (`gaitpredict export`)"
            )
        return model.n_features
    from ..models.features import n_features

    return n_features(model)


def _model_id(model, spec) -> str:
    """A fingerprint of the weights and spec: an adaptation belongs to one model, and the
    same one whether it streams from the checkpoint or its ONNX file."""
    if isinstance(model, OnnxModel):
        return graph.adaptation_id(model.weights_sha256, spec)
    from .export import weights_sha256

    return graph.adaptation_id(weights_sha256(model), spec)
