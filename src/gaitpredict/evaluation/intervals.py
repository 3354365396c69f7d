"""Prediction intervals with a stated coverage: split-conformal offline, adaptive online.

Offline (`Calibration`): the absolute errors of a trained model on its validation windows,
which are whole trials of training subjects, never the test subject's. For a coverage c and
n stored errors, the split-conformal half-width is the k-th smallest error with
k = ceil((n + 1) c) (Vovk et al. 2005; Lei et al. 2018): if validation and new errors are
exchangeable, a new error is at most it with probability >= c. It needs n >= c / (1 - c)
errors (9 for 90 %), and is refused with fewer.

Online (`OnlineInterval`): a stream's error distribution shifts (a new wearer, a turn, a lab
never seen), so the half-width follows the wearer's own recent errors as their truth
arrives: the conformal quantile of the last `window_s` seconds of errors, at a level that
adaptive conformal inference (ACI; Gibbs & Candes, NeurIPS 2021) steers,
alpha_{t+1} = alpha_t + gamma (alpha - miss_t), so that the long-run share of misses is
alpha = 1 - c whatever the errors do. Until `min_online_s` of errors have arrived, the
offline calibration's quantile at the steered level is used.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from ..errors import CheckpointError, ConfigError

DEFAULT_COVERAGE = 0.9
MAX_STORED = 4000  # errors kept per output (a seeded sample of the validation windows)
MAX_VALUES = 20000  # errors kept in all (multi-horizon models keep fewer per output)


def bridged_coverage(coverage: float) -> float:
    """The coverage a bridged prediction's interval is given, (1 + c) / 2, halving its share
    of misses: its window holds frames held across a gap, which carry no new motion."""
    return (1.0 + coverage) / 2.0


def check_coverage(coverage: float) -> float:
    try:
        c = float(coverage)
    except (TypeError, ValueError):
        raise ConfigError(f"coverage must be a number in (0, 1), got {coverage!r}") from None
    if not 0.0 < c < 1.0:
        raise ConfigError(f"coverage must be in (0, 1) (0.9 for 90 %), got {coverage!r}")
    return c


def needed(coverage: float) -> int:
    """The fewest errors that give a finite split-conformal quantile at `coverage`."""
    c = check_coverage(coverage)
    return math.ceil(c / (1.0 - c) - 1e-9)


def conformal_rank(n: int, coverage: float) -> int:
    """k = ceil((n + 1) c): the rank (1-based) of the half-width among n sorted errors."""
    return math.ceil((n + 1) * coverage - 1e-9)


@dataclass
class Calibration:
    """Sorted absolute validation errors (deg) per output: (n, outputs)."""

    errors_deg: np.ndarray
    source: str = "validation windows (training subjects' whole trials)"

    @classmethod
    def from_predictions(cls, pred, truth, seed: int = 0, source: str | None = None):
        errors = np.abs(np.asarray(pred, float) - np.asarray(truth, float))
        errors = errors[np.isfinite(errors).all(1)]
        most = min(MAX_STORED, MAX_VALUES // errors.shape[1])
        if len(errors) > most:
            keep = np.random.default_rng(seed).choice(len(errors), most, replace=False)
            errors = errors[np.sort(keep)]
        return cls(np.sort(errors, axis=0), source or cls.source)

    @property
    def n(self) -> int:
        return int(self.errors_deg.shape[0])

    def half_width(self, coverage: float) -> np.ndarray:
        """The split-conformal half-width (deg) per output at `coverage`."""
        c = check_coverage(coverage)
        k = conformal_rank(self.n, c)
        if k > self.n:
            raise ConfigError(
                f"a {c:.0%} interval needs at least {needed(c)} calibration errors; this "
                f"model's calibration holds {self.n}"
            )
        return self.errors_deg[k - 1].copy()

    def to_dict(self) -> dict:
        return {"errors_deg": np.round(self.errors_deg, 4).tolist(), "source": self.source}

    @classmethod
    def from_dict(cls, d: dict, where: str) -> Calibration:
        try:
            errors = np.asarray(d["errors_deg"], dtype=np.float64)
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"{where}: calibration is not a table of errors") from None
        if errors.ndim != 2 or not np.isfinite(errors).all() or (errors < 0).any():
            raise ConfigError(f"{where}: calibration errors must be finite and >= 0")
        return cls(np.sort(errors, axis=0), d.get("source", cls.source))


NO_CALIBRATION = (
    "{what} has no calibration of its errors, so it cannot give intervals: models trained "
    "by gaitpredict 0.6.1 or later store one (validation errors by subject); retrain it, or "
    "predict without --coverage"
)


class OnlineInterval:
    """One stream's interval half-widths, updated from errors as their truth arrives.

    `half_width(bridged)` gives the current half-width per output; `update(errors)` takes
    the absolute errors (deg) of one earlier prediction whose truth has arrived. A bridged
    prediction's interval uses the quantile at `bridged_coverage`."""

    def __init__(
        self,
        calibration: Calibration,
        coverage: float,
        rate_hz: float,
        window_s: float = 20.0,
        min_online_s: float = 2.0,
        gamma: float = 0.005,
    ):
        self.coverage = check_coverage(coverage)
        self.alpha_target = 1.0 - self.coverage
        self.alpha = self.alpha_target
        self.gamma = gamma
        self.calibration = calibration
        calibration.half_width(self.coverage)  # refuses too small a calibration now
        self.m = calibration.errors_deg.shape[1]
        self.window = max(int(round(window_s * rate_hz)), needed(self.coverage))
        self.min_online = max(int(round(min_online_s * rate_hz)), needed(self.coverage))
        self._offline = [calibration.errors_deg[:, j].tolist() for j in range(self.m)]
        self._recent = [deque() for _ in range(self.m)]
        self._sorted: list[list[float]] = [[] for _ in range(self.m)]
        self.updates = self.misses = 0

    def _level(self, bridged: bool) -> float:
        level = bridged_coverage(1.0 - self.alpha) if bridged else 1.0 - self.alpha
        return min(max(level, 0.0), 1.0)

    def _quantile(self, j: int, level: float) -> float:
        """The conformal quantile at `level` of output j's recent errors (the calibration's
        until `min_online` have arrived); past the largest (level 1), twice the largest,
        a finite stand-in for ACI's unbounded interval."""
        values = self._sorted[j]
        if len(values) < self.min_online:
            values = self._offline[j]
        k = conformal_rank(len(values), level)
        return values[k - 1] if k <= len(values) else 2.0 * values[-1]

    def half_width1(self, bridged: bool = False) -> float:
        """`half_width` of a one-output model, as a float (the streaming hot path)."""
        return self._quantile(0, self._level(bridged))

    def half_width(self, bridged: bool = False) -> np.ndarray:
        level = self._level(bridged)
        return np.array([self._quantile(j, level) for j in range(self.m)])

    def update1(self, error: float, half_width: float) -> None:
        """`update` of a one-output model, with floats."""
        miss = error > half_width
        self.alpha += self.gamma * (self.alpha_target - miss)
        self.updates += 1
        self.misses += miss
        self._remember(0, error)

    def update(self, errors: np.ndarray, half_width: np.ndarray) -> None:
        """The errors of a prediction made with `half_width`: did it miss, and remember."""
        miss = bool(np.any(errors > half_width))
        self.alpha += self.gamma * (self.alpha_target - float(miss))
        self.updates += 1
        self.misses += miss
        for j in range(self.m):
            self._remember(j, float(errors[j]))

    def _remember(self, j: int, error: float) -> None:
        recent, values = self._recent[j], self._sorted[j]
        recent.append(error)
        bisect.insort(values, error)
        if len(recent) > self.window:
            del values[bisect.bisect_left(values, recent.popleft())]

    def state(self) -> dict:
        """What was learned of the wearer: the steered level and the recent errors."""
        return {"coverage": self.coverage, "alpha": self.alpha,
                "recent_errors_deg": [list(r) for r in self._recent]}  # fmt: skip

    def load_state(self, state: dict, where: str) -> None:
        """Restore `state()`, checked: the same number of outputs, finite errors >= 0. A
        state saved at another coverage keeps its errors and starts the level afresh."""
        try:
            recent = [[float(e) for e in r] for r in state["recent_errors_deg"]]
            alpha = float(state["alpha"])
        except (KeyError, TypeError, ValueError):
            raise CheckpointError(f"{where}: field 'intervals' is not an interval state") from None
        if len(recent) != self.m or not all(
            all(math.isfinite(e) and e >= 0 for e in r) for r in recent
        ):
            raise CheckpointError(
                f"{where}: field 'intervals' must hold {self.m} list(s) of finite errors >= 0"
            )
        if not math.isfinite(alpha) or not -1.0 <= alpha <= 2.0:
            raise CheckpointError(f"{where}: field 'intervals': alpha {alpha} is out of range")
        self.forget()
        for j, errors in enumerate(recent):
            for e in errors[-self.window :]:
                self._remember(j, e)
        if state.get("coverage") == self.coverage:
            self.alpha = alpha

    def forget(self) -> None:
        """Back to the offline calibration (a new wearer)."""
        self.alpha = self.alpha_target
        for j in range(self.m):
            self._recent[j].clear()
            self._sorted[j].clear()


def interval_scores(pred, truth, half_width) -> dict:
    """Coverage (share of outputs inside prediction +- half-width) and mean width (deg)."""
    pred, truth = np.asarray(pred, float), np.asarray(truth, float)
    hw = np.broadcast_to(np.asarray(half_width, float), pred.shape)
    ok = np.isfinite(pred) & np.isfinite(truth)
    if not ok.any():
        return {}
    inside = np.abs(pred - truth)[ok] <= hw[ok]
    return {"coverage": float(inside.mean()), "mean_width_deg": float(2 * hw[ok].mean())}


def interval_hits(table, targets):
    """(inside, width) per row and target of a prediction table with `<target>_lo_deg`,
    `_hi_deg` and `_true_deg` columns (inside: NaN where the truth is unknown), or None for
    a table without interval columns."""
    if f"{targets[0]}_lo_deg" not in table or f"{targets[0]}_true_deg" not in table:
        return None
    truth = np.stack([table[f"{ch}_true_deg"] for ch in targets], axis=1).astype(float)
    lo = np.stack([table[f"{ch}_lo_deg"] for ch in targets], axis=1).astype(float)
    hi = np.stack([table[f"{ch}_hi_deg"] for ch in targets], axis=1).astype(float)
    inside = np.where(np.isfinite(truth), (truth >= lo) & (truth <= hi), np.nan)
    return inside, hi - lo


def hits_summary(inside, width, rows=None) -> dict:
    """Coverage and mean width (deg) over the rows of `interval_hits` where the truth is
    known (None for both when it is nowhere)."""
    if rows is not None:
        inside, width = inside[rows], width[rows]
    known = np.isfinite(inside)
    if not known.any():
        return {"coverage": None, "mean_width_deg": None}
    return {"coverage": float(inside[known].mean()), "mean_width_deg": float(width[known].mean())}


def stored_calibration(payload: dict, where: str) -> Calibration | None:
    """The calibration a checkpoint's payload stores (None: it stores none)."""
    stored = (payload.get("extra") or {}).get("calibration")
    return None if stored is None else Calibration.from_dict(stored, where)


def calibration_of(payload: dict, where: str) -> Calibration:
    """The calibration a checkpoint stores, or a ConfigError saying it has none."""
    calibration = stored_calibration(payload, where)
    if calibration is None:
        raise ConfigError(NO_CALIBRATION.format(what=where))
    return calibration
