"""Preprocessing: find and fill gaps, split at long ones, and low-pass filter (causal by default).

Model inputs may only be filtered causally (`lowpass`, Butterworth with `sosfilt`). The
zero-phase `lowpass_zero_phase_offline` looks at future frames; it marks the trial's
provenance 'zero-phase', and windowing refuses such trials for model inputs.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import GaitDataError, LeakageError
from .trial import Trial

ZERO_PHASE = "zero-phase"


def refuse_look_ahead(trial: Trial) -> None:
    """A model input must not see the future: refuse zero-phase filtered and
    `Trial.resample`d (polyphase) trials, saying what to do instead."""
    if ZERO_PHASE in trial.provenance:
        raise LeakageError(
            f"{trial.trial_id}: zero-phase filtered data sees the future "
            "and cannot be a model input; use the causal lowpass()"
        )
    if any(p.startswith("resample-") for p in trial.provenance):
        raise LeakageError(
            f"{trial.trial_id}: resampled with a filter that sees the future "
            "(Trial.resample); give the recording at its own rate: the model converts it "
            "to its rate causally"
        )


def find_gaps(trial: Trial, zeros_are_missing: bool = False, min_zero_run: int = 2) -> list:
    """Gaps as (start_frame, stop_frame) half-open ranges where any channel is missing.

    Missing means NaN; with `zeros_are_missing`, also runs (>= min_zero_run frames) in which
    every channel is exactly 0.0 (formats that write gaps as zeros).
    """
    bad = ~np.isfinite(trial.angles_deg).all(axis=1)
    if zeros_are_missing:
        zero = np.all(trial.angles_deg == 0.0, axis=1)
        for start, stop in _runs(zero):
            if stop - start >= min_zero_run:
                bad[start:stop] = True
    return _runs(bad)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(
        zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True)
    )


def fill_gaps(
    trial: Trial,
    max_gap_ms: float = 50.0,
    zeros_are_missing: bool = False,
    min_piece_frames: int = 2,
) -> tuple[list[Trial], list[str]]:
    """Interpolate gaps up to `max_gap_ms` linearly; split the trial at longer gaps.

    Returns the pieces and a list of human-readable notes saying what was done where.
    Gaps at the start or end are cut off, never extrapolated. Linear interpolation across a
    short gap uses the frame after it: it is an offline clean-up of recordings, recorded in
    the provenance as 'gap-fill'.
    """
    gaps = find_gaps(trial, zeros_are_missing=zeros_are_missing)
    if not gaps:
        return [trial], []
    max_gap = int(np.floor(max_gap_ms * trial.rate_hz / 1000.0 + 1e-9))
    angles = trial.angles_deg.copy()
    notes, cuts = [], []
    for start, stop in gaps:
        span = f"frames {start}-{stop - 1} ({(stop - start) / trial.rate_hz * 1000:.0f} ms)"
        if start == 0 or stop == trial.n_frames or stop - start > max_gap:
            cuts.append((start, stop))
            notes.append(f"{trial.trial_id}: split at gap {span}")
            continue
        before, after = angles[start - 1], angles[stop]
        frac = (np.arange(1, stop - start + 1) / (stop - start + 1))[:, None]
        angles[start:stop] = before + frac * (after - before)
        notes.append(f"{trial.trial_id}: interpolated gap {span}")
    filled = replace(trial, angles_deg=angles, provenance=trial.provenance + ("gap-fill",))
    pieces, begin = [], 0
    for start, stop in cuts + [(trial.n_frames, trial.n_frames)]:
        if start - begin >= min_piece_frames:
            piece = filled.slice_frames(begin, start)
            suffix = f"@{begin}" if (begin or start < trial.n_frames) else ""
            pieces.append(replace(piece, trial_id=trial.trial_id + suffix))
        begin = stop
    return pieces, notes


def _sos(cutoff_hz: float, rate_hz: float, order: int):
    from scipy.signal import butter  # scipy.signal takes about 1 s to import: only when used

    if not 0 < cutoff_hz < rate_hz / 2:
        raise GaitDataError(
            f"cutoff {cutoff_hz} Hz must lie between 0 and the Nyquist frequency {rate_hz / 2} Hz"
        )
    return butter(order, cutoff_hz, btype="low", fs=rate_hz, output="sos")


def _check_finite(trial: Trial):
    if not np.isfinite(trial.angles_deg).all():
        frame = int(np.flatnonzero(~np.isfinite(trial.angles_deg).all(axis=1))[0])
        raise GaitDataError(f"{trial.trial_id}: gap at frame {frame}; fill_gaps before filtering")


def lowpass(trial: Trial, cutoff_hz: float = 6.0, order: int = 2) -> Trial:
    """Causal Butterworth low-pass (sosfilt): each output frame uses only past frames.

    The filter starts from the first frame's value (steady state), so there is no start-up
    transient toward zero.
    """
    from scipy.signal import sosfilt, sosfilt_zi

    _check_finite(trial)
    sos = _sos(cutoff_hz, trial.rate_hz, order)
    x = trial.angles_deg
    out = np.empty_like(x)
    zi = sosfilt_zi(sos)
    for c in range(x.shape[1]):
        out[:, c], _ = sosfilt(sos, x[:, c], zi=zi * x[0, c])
    return replace(
        trial, angles_deg=out, provenance=trial.provenance + (f"lowpass-causal-{cutoff_hz:g}Hz",)
    )


def lowpass_zero_phase_offline(trial: Trial, cutoff_hz: float = 6.0, order: int = 2) -> Trial:
    """Zero-phase (forward-backward) Butterworth: for plots and offline analysis ONLY.

    Each output frame depends on future frames, so the result is marked 'zero-phase' and
    `gaitpredict.windowing.windows` refuses it as model input.
    """
    from scipy.signal import sosfiltfilt

    _check_finite(trial)
    sos = _sos(cutoff_hz, trial.rate_hz, order)
    out = sosfiltfilt(sos, trial.angles_deg, axis=0)
    return replace(trial, angles_deg=out, provenance=trial.provenance + (ZERO_PHASE,))
