"""Online adaptation: the streaming predictor corrects itself from the truth it sees later.

A prediction made at model frame t for t + horizon can be checked when frame t + horizon
arrives, because the target joint is itself among the streamed inputs. The correction is
linear in the network's last hidden features z = [features, 1]:

    adapted = base + Theta' z

and Theta is fitted by recursive least squares with a forgetting factor (recent walking
counts most; the memory is about 1 / (1 - forgetting) frames). It is made safe by:
- a prior: Theta starts at 0 with covariance `prior_var * I` (a ridge penalty), and the
  covariance's trace is capped at its start value, so directions the wearer does not excite
  cannot wind up;
- gates: a pair (prediction, truth) updates nothing when the prediction's window held
  bridged frames, the truth frame was bridged, or the residual exceeds `gate_deg` (no gait
  style puts the knee 25 deg from where a population model expects it 100 ms ahead; a
  sensor fault does);
- a bound: the correction is clipped to +-`max_correction_deg`;
- a guard: the correction is applied only after `min_checked_s` of predictions were checked
  against the truth, and only while the adapted predictions' exponentially weighted squared
  error over the last `guard_s` seconds is no larger than the base predictions' (the
  correction keeps learning meanwhile).

All of it is a few small numpy and BLAS operations on buffers allocated once (a 65 x 65
matrix for the shipped models): the covariance is kept as `scale * Q` so that forgetting and
the trace cap cost one multiplication of a number, and its update is one in-place rank-1
BLAS call.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..atomic import write_json
from ..errors import CheckpointError, ConfigError
from ..options import setting
from ..windowing.delay import TruthDelay

daxpy = dger = dsymv = dsyr = None  # scipy's BLAS, imported with the first adapter


def _import_blas() -> None:
    """scipy.linalg costs a stream that does not adapt about 0.3 s to import: only an
    adapter's update needs its rank-1 BLAS routines."""
    global daxpy, dger, dsymv, dsyr
    if dsyr is None:
        from scipy.linalg.blas import daxpy, dger, dsymv, dsyr


FORMAT = "gaitpredict-adaptation/1"
SAFETY_LIMITS = {"gate_deg": 25.0, "max_correction_deg": 10.0}  # the documented defaults


@dataclass(frozen=True)
class AdaptConfig:
    """Online adaptation's settings (`gaitpredict stream --adapt` options, read from here)."""

    forgetting: float = setting(
        0.998, "per model frame; the memory is about 1 / (1 - forgetting) frames"
    )
    prior_var: float = setting(5.0, "deg^2 per unit feature: the ridge prior on the correction")
    gate_deg: float = setting(25.0, "larger residuals are faults, not style: no update (<= 25)")
    max_correction_deg: float = setting(10.0, "the correction's bound, deg (<= 10)")
    guard_s: float = setting(2.0, "window of the never-worse guard, s")
    min_checked_s: float = setting(2.0, "walking checked against the truth before correcting, s")

    def __post_init__(self):
        if not 0.9 <= self.forgetting <= 1.0:
            raise ConfigError(f"forgetting must be in [0.9, 1], got {self.forgetting}")
        for name in ("prior_var", "gate_deg", "max_correction_deg", "guard_s", "min_checked_s"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} must be > 0, got {getattr(self, name)}")
        # the safety limits are the code's: settings may tighten them, never widen them
        for name, limit in SAFETY_LIMITS.items():
            if not getattr(self, name) <= limit:
                raise ConfigError(f"{name} must be <= {limit:g}, got {getattr(self, name)}")


class OnlineAdapter:
    """Call `observe(frame, held)` for every model-grid frame (it may update from the
    prediction made `horizon_frames` before), then `correct(features, base, valid)` for the
    prediction made at that frame (it returns the adapted prediction)."""

    def __init__(
        self,
        n_features: int,
        target_idx,
        horizon_frames: int,
        rate_hz: float,
        config: AdaptConfig | None = None,
        model_id: str = "",
    ):
        _import_blas()
        self.config = config or AdaptConfig()
        self.model_id = model_id
        self.d, self.m = n_features + 1, len(target_idx)
        self.target_idx = np.asarray(target_idx, dtype=np.int64)
        self.h, self.rate_hz = int(horizon_frames), float(rate_hz)
        self._guard_decay = float(np.exp(-1.0 / (self.config.guard_s * self.rate_hz)))
        n = self.h + 1
        self._z = np.zeros((n, self.d))
        self._base = np.zeros((n, self.m))
        self._used = np.zeros((n, self.m))  # the correction each prediction computed
        self._delay = TruthDelay(self.h)
        self._base1, self._used1 = [0.0] * n, [0.0] * n  # one target: Python floats
        self._z[:, -1] = 1.0
        self._t0 = int(self.target_idx[0])
        # the settings the hot path reads, as plain attributes
        self._gate, self._lam = self.config.gate_deg, self.config.forgetting
        self._max = self.config.max_correction_deg
        self._pz = np.zeros(self.d)
        self._e = np.zeros(self.m)
        self._delta = np.zeros(self.m)
        self._cap = self.config.prior_var * self.d
        self._min_checked = int(round(self.config.min_checked_s * self.rate_hz))
        self.forget()

    # -- state ---------------------------------------------------------------------------
    def forget(self) -> None:
        """Back to the population model: no correction, the prior covariance."""
        self.theta = np.zeros((self.d, self.m), order="F")
        self._theta0 = self.theta[:, 0]  # a view
        self.P = np.eye(self.d) * self.config.prior_var
        self.mse_base = self.mse_adapted = 0.0
        self.updates = self.gated = self.checked = 0
        self.interrupt()

    def interrupt(self) -> None:
        """A gap: predictions still waiting for their truth are dropped; what was learned
        about the wearer is kept."""
        self._delay.interrupt()

    @property
    def P(self) -> np.ndarray:
        """The covariance of Theta (a copy)."""
        upper = np.triu(self._q)
        return self._scale * (upper + np.triu(upper, 1).T)

    @P.setter
    def P(self, value) -> None:
        self._q = np.asfortranarray(np.array(value, dtype=np.float64))
        self._scale = 1.0
        self._trace = float(np.trace(self._q))

    @property
    def active(self) -> bool:
        """Whether the correction is applied now (the guard finds it no worse)."""
        return self.checked >= self._min_checked and self.mse_adapted <= self.mse_base

    # -- the hot path ----------------------------------------------------------------------
    def observe(self, frame: np.ndarray, held: bool) -> None:
        k = self._delay.arrived()
        if k is None or held:
            return
        z, decay = self._z[k], self._guard_decay
        if self.m == 1:  # the usual case, in Python floats: a third of the time of arrays
            e_base = float(frame[self._t0]) - self._base1[k]
            e_used = e_base - self._used1[k]
            sq_base, sq_used = e_base * e_base, e_used * e_used
            bad = not abs(e_base) <= self._gate  # also NaN
        else:
            e_vec = frame[self.target_idx] - self._base[k]
            e_used_vec = e_vec - self._used[k]
            sq_base, sq_used = float(e_vec @ e_vec), float(e_used_vec @ e_used_vec)
            bad = not np.abs(e_vec).max() <= self._gate
        # the errors of what was really predicted, for the guard
        self.mse_base = decay * self.mse_base + (1 - decay) * sq_base
        self.mse_adapted = decay * self.mse_adapted + (1 - decay) * sq_used
        self.checked += 1
        if bad:
            self.gated += 1
            return
        # recursive least squares on the a-priori error with today's Theta:
        # P z, gain = P z / (lam + z' P z), Theta += gain e', P = (P - gain (P z)') / lam.
        # P = scale * Q with Q symmetric (its upper triangle kept): gain = c Q z with
        # c = scale / (lam + z' P z), and Q -= c (Q z)(Q z)'.
        qz, lam, scale = self._pz, self._lam, self._scale
        dsymv(1.0, self._q, z, y=qz, overwrite_y=1)
        zpz = scale * float(z @ qz)
        c = scale / (lam + zpz)
        if self.m == 1:
            daxpy(qz, self._theta0, a=c * (e_base - float(z @ self._theta0)))
        else:
            np.subtract(e_vec, z @ self.theta, out=self._e)
            dger(c, qz, self._e, a=self.theta, overwrite_a=1)
        dsyr(-c, qz, a=self._q, overwrite_a=1)
        self._trace = (self._trace - scale * c * float(qz @ qz)) / lam  # trace(gain (P z)')
        scale /= lam
        if self._trace > self._cap:  # no wind-up: the trace never exceeds the prior's
            scale *= self._cap / self._trace
            self._trace = self._cap
        if not 1e-150 < scale < 1e150:
            self._q *= scale
            scale = 1.0
        self._scale = scale
        self.updates += 1

    def correct(self, features: np.ndarray, base: np.ndarray, valid: bool, out: np.ndarray):
        """Write the adapted prediction into `out` (the base one while the guard says so)."""
        k = self._delay.wait(valid)
        z = self._z[k]
        z[:-1] = features
        active = self.active
        if self.m == 1:
            b = float(base[0])
            delta = min(max(float(z @ self._theta0), -self._max), self._max)
            self._base1[k], self._used1[k] = b, delta
            out[0] = b + delta if active else b
            return out
        np.dot(z, self.theta, out=self._delta)
        np.minimum(self._delta, self._max, out=self._delta)
        np.maximum(self._delta, -self._max, out=self._delta)
        self._base[k] = base
        self._used[k] = self._delta
        if active:
            np.add(base, self._delta, out=out)
        else:
            out[:] = base
        return out

    # -- carrying it to the next session -------------------------------------------------
    def _identity(self) -> dict:
        """What an adaptation belongs to: the model, its features, target, horizon, rate."""
        return {
            "model_id": self.model_id,
            "n_features": self.d - 1,
            "target_idx": self.target_idx.tolist(),
            "horizon_frames": self.h,
            "rate_hz": self.rate_hz,
        }

    def state(self) -> dict:
        return {
            "format": FORMAT,
            **self._identity(),
            "config": asdict(self.config),
            "theta": self.theta.tolist(),
            "P": self.P.tolist(),
            "mse_base": self.mse_base,
            "mse_adapted": self.mse_adapted,
            "updates": self.updates,
            "gated": self.gated,
            "checked": self.checked,
        }

    def save(self, path) -> Path:
        """A JSON file (written atomically) that `load` restores into the same model."""
        return write_json(path, self.state())

    def load(self, path) -> None:
        """Restore what `save` wrote. The file is input: it is refused (a `CheckpointError`
        naming the file and the field) when it was saved for another model, target, horizon
        or rate, or when anything in it is out of shape, non-finite, beyond `THETA_LIMIT`,
        a covariance that is not symmetric positive definite within the trace cap, or
        settings outside `AdaptConfig`'s ranges. The predictor's own settings stay in force."""
        path = Path(path)
        try:
            state = json.loads(path.read_text())
        except FileNotFoundError:
            raise CheckpointError(f"{path}: no such adaptation file") from None
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"{path}: not an adaptation file ({exc})") from None
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise CheckpointError(f"{path}: not a gaitpredict adaptation file ({FORMAT})")
        missing = [k for k in self.state() if k not in state]
        if missing:
            raise CheckpointError(f"{path}: damaged adaptation file; missing {missing}")
        differ = {k: (state.get(k), v) for k, v in self._identity().items() if state.get(k) != v}
        if differ:
            raise CheckpointError(
                f"{path}: saved for another model; (saved, this predictor): {differ}"
            )
        checked = _checked_state(path, state, self.d, self.m, self.config)
        self.theta[:], self.P = checked["theta"], checked["P"]
        self.mse_base, self.mse_adapted = checked["mse_base"], checked["mse_adapted"]
        self.updates, self.gated, self.checked = (
            checked["updates"], checked["gated"], checked["checked"]
        )  # fmt: skip
        self.interrupt()


THETA_LIMIT = 1e4  # deg per unit feature; a real wearer (tests) holds at most about 21


def _checked_state(path: Path, state: dict, d: int, m: int, config: AdaptConfig) -> dict:
    """The numbers of an adaptation file, each checked (see `OnlineAdapter.load`)."""

    def refuse(field: str, why: str):
        raise CheckpointError(f"{path}: field {field!r} {why}")

    saved = state["config"]
    if not isinstance(saved, dict) or set(saved) != set(asdict(config)):
        refuse("config", f"must hold exactly {sorted(asdict(config))}")
    try:
        AdaptConfig(**{k: float(v) for k, v in saved.items()})
    except (ConfigError, TypeError, ValueError) as exc:
        refuse("config", f"is outside the documented ranges: {exc}")
    out = {}
    for name, shape in (("theta", (d, m)), ("P", (d, d))):
        try:
            value = np.asarray(state[name], dtype=np.float64)
        except (TypeError, ValueError):
            refuse(name, f"must be a {shape[0]} x {shape[1]} array of numbers")
        if value.shape != shape:
            refuse(name, f"has shape {value.shape}; this model needs {shape}")
        if not np.isfinite(value).all():
            refuse(name, "holds non-finite values")
        out[name] = value
    if np.abs(out["theta"]).max() > THETA_LIMIT:
        refuse("theta", f"holds weights beyond +-{THETA_LIMIT:g} deg per unit feature")
    P = out["P"]
    if not np.allclose(P, P.T, rtol=1e-9, atol=1e-12 * max(1.0, np.abs(P).max())):
        refuse("P", "is not symmetric")
    try:
        np.linalg.cholesky(P)
    except np.linalg.LinAlgError:
        refuse("P", "is not positive definite")
    cap = config.prior_var * d
    if np.trace(P) > cap * (1 + 1e-9):
        refuse("P", f"has trace {np.trace(P):g} above the cap prior_var x d = {cap:g}")
    for name in ("mse_base", "mse_adapted"):
        value = state[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            refuse(name, "must be a number")
        if not (math.isfinite(value) and value >= 0):
            refuse(name, f"must be finite and >= 0, got {value!r}")
        out[name] = float(value)
    for name in ("updates", "gated", "checked"):
        value = state[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            refuse(name, f"must be a whole number >= 0, got {value!r}")
        out[name] = value
    if out["updates"] + out["gated"] > out["checked"]:
        refuse("updates", "plus 'gated' exceeds 'checked' (each check updates or is gated)")
    return out
