"""Lab Streaming Layer input and output (optional extra `lsl`: pylsl).

`publish` sends a recording as an LSL stream with channel labels in its metadata;
`stream_lsl` reads frames from a named stream, maps its labels onto the model's channels,
and publishes each prediction (plus a `bridged` flag) stamped with the time it is for.
"""

from __future__ import annotations

import time

import numpy as np

from ..errors import MissingExtraError, StreamError


def require_pylsl():
    try:
        import pylsl
    except ImportError:
        raise MissingExtraError("LSL needs pylsl: pip install 'gaitpredict[lsl]'") from None
    return pylsl


def _info(pylsl, name: str, kind: str, labels, rate_hz: float, source_id: str):
    info = pylsl.StreamInfo(name, kind, len(labels), rate_hz, pylsl.cf_double64, source_id)
    channels = info.desc().append_child("channels")
    for label in labels:
        channels.append_child("channel").append_child_value("label", label)
    return info


def channel_labels(info) -> list[str]:
    labels, ch = [], info.desc().child("channels").child("channel")
    while not ch.empty():
        labels.append(ch.child_value("label"))
        ch = ch.next_sibling()
    return labels


def publish(trial, name: str, realtime: bool = True, wait_s: float = 30.0) -> int:
    """Send `trial` as stream `name` (waits up to `wait_s` for a consumer); frames sent."""
    pylsl = require_pylsl()
    info = _info(pylsl, name, "MoCap", trial.channels, trial.rate_hz, f"gaitpredict-{name}")
    outlet = pylsl.StreamOutlet(info)
    if not outlet.wait_for_consumers(wait_s):
        raise StreamError(f"no consumer connected to LSL stream {name!r} within {wait_s:g} s")
    t0 = pylsl.local_clock()
    for i, frame in enumerate(trial.angles_deg):
        t = t0 + i / trial.rate_hz
        if realtime:
            time.sleep(max(0.0, t - pylsl.local_clock()))
        outlet.push_sample(frame.tolist(), t)
    time.sleep(0.5)  # let the last samples leave before the outlet closes
    return len(trial.angles_deg)


def stream_lsl(predictor, in_name: str, out_name: str, max_samples: int | None = None,
               idle_timeout_s: float = 5.0, resolve_timeout_s: float = 30.0) -> dict:  # fmt: skip
    """Predict on LSL stream `in_name` until it goes quiet; publish to `out_name`: the
    outputs, with intervals their lower then upper bounds (`<label>_lo`, `<label>_hi`), then
    `bridged`."""
    pylsl = require_pylsl()
    spec = predictor.spec
    labels_out = [f"{ch}@+{spec.horizon_ms:g}ms" for ch in spec.target]
    if spec.n_outputs != len(spec.target):
        labels_out = [f"out{k}" for k in range(spec.n_outputs)]
    n = len(labels_out)
    if predictor.intervals is not None:  # each output's interval bounds after the outputs
        labels_out += [f"{lab}_lo" for lab in labels_out] + [f"{lab}_hi" for lab in labels_out]
    info_out = _info(pylsl, out_name, "Prediction", labels_out + ["bridged"], predictor.rate_hz,
                     f"gaitpredict-{out_name}")  # fmt: skip
    outlet = pylsl.StreamOutlet(info_out)
    found = pylsl.resolve_byprop("name", in_name, 1, resolve_timeout_s)
    if not found:
        raise StreamError(f"no LSL stream named {in_name!r} found within {resolve_timeout_s:g} s")
    inlet = pylsl.StreamInlet(found[0], max_buflen=60)
    info = inlet.info(resolve_timeout_s)
    labels = channel_labels(info)
    missing = [ch for ch in predictor.channels if ch not in labels]
    if missing:
        raise StreamError(
            f"LSL stream {in_name!r} lacks channel(s) {missing}; its labels are {labels}"
        )
    if info.nominal_srate() > 0:
        predictor.check_rate(info.nominal_srate(), f"LSL stream {in_name!r}")
    order = np.array([labels.index(ch) for ch in predictor.channels])
    inlet.open_stream(resolve_timeout_s)
    counts = {"frames": 0, "predictions": 0}
    sample_out = np.zeros(len(labels_out) + 1)
    while max_samples is None or counts["frames"] < max_samples:
        sample, ts = inlet.pull_sample(timeout=idle_timeout_s)
        if sample is None:
            break
        counts["frames"] += 1
        p = predictor.push(np.asarray(sample)[order], ts)
        if p is not None:
            sample_out[:n] = p.values_deg
            if p.lo_deg is not None:
                sample_out[n : 2 * n], sample_out[2 * n : 3 * n] = p.lo_deg, p.hi_deg
            sample_out[-1] = float(p.bridged)
            outlet.push_sample(sample_out.tolist(), p.target_time_s)
            counts["predictions"] += 1
    time.sleep(0.5)
    return {**counts, "resets": predictor.resets, "ignored": predictor.ignored}
