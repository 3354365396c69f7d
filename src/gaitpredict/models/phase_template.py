"""`phase-template`: a continuous gait phase from the hip's phase portrait, and a template of
the target joint indexed by that phase, learned online; the prediction is the template at
the phase the horizon will reach.

The phase variable is that of Quintero, Villarreal, Lambert, Kapp & Gregg (2018, IEEE Trans
Robot 34:686, "Continuous-phase control of a powered knee-ankle prosthesis"): the angle of
the driver's phase portrait, its angle against its scaled velocity,

    phi = atan2(-(v - c_v) / r_v, (d - c_d) / r_d)  (mod 2 pi)

with d the driver (the target itself, the hip flexion of the target's side, or another
channel), v its causal velocity (a backward difference smoothed over `velocity_ms`), and c,
r the centre and half-range of each over the recent strides. Quintero et al. scale the
portrait by ranges measured offline; here they are tracked online: the maximum and minimum
over the last `range_s` seconds (a stride or more, so on steady walking they hold still),
so a new wearer needs no calibration.

The template is `bins` values over one stride, each an average that forgets with a memory
of `memory` visits, so it follows a wearer who changes (the two nearest bins share each
frame linearly). How the horizon is reached (`advance`):
- `rate`: the template holds the target at each phase and is read at phi + omega h, with
  omega the smoothed advance of phi (over `rate_s`): the literal reading of a phase-indexed
  template. The portrait's phase does not advance uniformly within a stride, so this misses
  where the phase will be by the stride's own unevenness;
- `learned`: the template holds, for each phase, the target h later, each value learned
  once that truth has arrived (h after the phase was seen), so the phase's uneven advance is
  learned with the shape. The choice between them is `benchmarks/choose_online.py`'s.
With `mode: delta` the prediction is the target's last value plus the template's change
(robust to an offset between strides); `absolute` reads the template alone.

Safety, off the cycle: while the driver's range is under `min_range_deg` (standing), while
omega sits at a bound or the phase stops advancing, and while the template has not yet been
filled where the prediction reads it, the model predicts the target's last value and says so
in `status`; held frames teach nothing and a gap restarts the velocity.

The defaults (the hip's portrait, 25 bins, a memory of 5, `absolute`, `learned`, a 4 s
range) are the best of 864 settings on five labs that score nothing
(`benchmarks/choose_online.py`).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from ..options import setting
from . import register_model
from .online import TWO_PI, CycleOptions, Extremes, OnlineModel, clamp


@dataclass
class TemplateConfig(CycleOptions):
    driver: str = setting(
        "hip", "the angle whose phase portrait gives the phase: hip (the target side's hip "
        "flexion), target or a channel name",
    )  # fmt: skip
    bins: int = setting(25, "template values over one stride")
    memory: float = setting(5.0, "the template forgets with a memory of this many visits")
    advance: str = setting("learned", "learned: the template holds the value h later; rate: "
                           "read at phi + omega h", choices=("learned", "rate"))  # fmt: skip
    mode: str = setting("absolute", "absolute: the template; delta: the last value plus "
                        "the template's change", choices=("absolute", "delta"))  # fmt: skip
    velocity_ms: float = setting(20.0, "smoothing of the driver's velocity, ms")
    range_s: float = setting(4.0, "the portrait's range: extremes over this time, s")
    rate_s: float = setting(0.5, "smoothing of the phase rate, s")
    min_range_deg: float = setting(10.0, "walking: the driver's range above this, deg")


class PhaseTemplate(OnlineModel):
    LEARNED = ("template", "visits", "d_hi", "d_lo", "v_hi", "v_lo", "omega")

    def __init__(self, spec, cfg: TemplateConfig):
        super().__init__(spec, cfg)
        self.driver = self.driver_index(cfg.driver)

    def _forget(self) -> None:
        n, b = len(self.target_idx), self.cfg.bins
        steps = len(self.ahead_s) if self.cfg.advance == "learned" else 1
        self.template = [[[0.0] * b for _ in range(n)] for _ in range(steps)]
        self.visits = [[0.0] * b for _ in range(steps)]
        self.frames_ahead = [round(h / self.dt) for h in self.ahead_s]
        self.d_hi = self.d_lo = self.v_hi = self.v_lo = None
        self.omega = TWO_PI * self.cfg.start_stride_hz
        self.interrupt()

    def interrupt(self) -> None:
        self.last_d = self.v = self.phi = None
        self.seen = deque(maxlen=max(self.frames_ahead))  # (bins, targets) of recent frames
        # the ranges known so far stay, as a prior, until the window has passed once more
        n = max(2, round(self.cfg.range_s / self.dt))
        self.d_range, self.v_range = Extremes(n), Extremes(n)
        if self.d_hi is not None:
            self.d_range.seed(self.d_hi, self.d_lo)
            self.v_range.seed(self.v_hi, self.v_lo)

    def _observe(self, frame, held: bool) -> None:
        if held:  # a bridged frame is no measurement: the phase waits for the next one
            self.seen.appendleft(None)
            return
        cfg, dt = self.cfg, self.dt
        d = frame[self.driver]
        if self.last_d is None:
            self.last_d, self.v = d, 0.0
            if self.d_hi is None:
                self.d_hi, self.d_lo = self.d_range.push(d)
                self.v_hi, self.v_lo = self.v_range.push(0.0)
            return
        a = min(1.0, dt / (cfg.velocity_ms / 1000.0))
        self.v += a * ((d - self.last_d) / dt - self.v)
        self.last_d = d
        self.d_hi, self.d_lo = self.d_range.push(d)
        self.v_hi, self.v_lo = self.v_range.push(self.v)
        phi = self._phase(d, self.v)
        if phi is None:
            self.seen.appendleft(None)
            return
        if self.phi is not None:
            advance = (phi - self.phi + math.pi) % TWO_PI - math.pi  # in [-pi, pi)
            r = min(1.0, dt / cfg.rate_s)
            self.omega = clamp(self.omega + r * (advance / dt - self.omega), 0.0, self.w_max)
        self.phi = phi
        ys = [frame[idx] for idx in self.target_idx]
        if not self.walking:
            self.seen.appendleft(None)
            return
        if self.cfg.advance == "rate":
            self._learn(0, self._bins(phi), ys, [0.0] * len(ys))
        else:  # each step's template learns from the frame seen that many frames ago
            for s, back in enumerate(self.frames_ahead):
                then = self.seen[back - 1] if back <= len(self.seen) else None
                if then is not None:
                    self._learn(s, then[0], ys, then[1])
        self.seen.appendleft((self._bins(phi), ys))

    @property
    def walking(self) -> bool:
        return self.d_hi is not None and self.d_hi - self.d_lo >= self.cfg.min_range_deg

    def _phase(self, d: float, v: float) -> float | None:
        rd, rv = (self.d_hi - self.d_lo) / 2.0, (self.v_hi - self.v_lo) / 2.0
        if rd <= 0.0 or rv <= 0.0:
            return None
        x = (d - (self.d_hi + self.d_lo) / 2.0) / rd
        y = -(v - (self.v_hi + self.v_lo) / 2.0) / rv
        return math.atan2(y, x) % TWO_PI

    def _bins(self, phi: float) -> tuple[int, int, float]:
        u = phi / TWO_PI * self.cfg.bins
        i = int(u) % self.cfg.bins
        return i, (i + 1) % self.cfg.bins, u - math.floor(u)

    def _learn(self, step: int, bins, ys, bases) -> None:
        """Move the step's template at `bins` towards the targets `ys` (minus `bases`: the
        targets when the phase was seen, in delta mode)."""
        i0, i1, f = bins
        floor, delta = 1.0 / self.cfg.memory, self.cfg.mode == "delta"
        visits, template = self.visits[step], self.template[step]
        for i, w in ((i0, 1.0 - f), (i1, f)):
            if w <= 0.0:
                continue
            visits[i] += w
            rate = w * max(1.0 / visits[i], floor)
            for j, y in enumerate(ys):
                value = y - bases[j] if delta else y
                template[j][i] += rate * (value - template[j][i])

    def _read(self, step: int, j: int, phi: float) -> float | None:
        i0, i1, f = self._bins(phi)
        if self.visits[step][i0] < 1.0 or self.visits[step][i1] < 1.0:
            return None
        t = self.template[step][j]
        return t[i0] + f * (t[i1] - t[i0])

    def _predict(self, frame, out) -> None:
        if self.phi is None:  # a new recording or a gap: no velocity yet
            return self.hold(frame, out, "finding the phase: holding the last value")
        if not self.walking:
            return self.hold(frame, out, "not walking: holding the last value")
        if not self.w_min < self.omega < self.w_max:
            return self.hold(frame, out, "phase rate out of range: holding the last value")
        n, rate, delta = len(self.target_idx), self.cfg.advance == "rate", self.cfg.mode == "delta"
        for s, h in enumerate(self.ahead_s):
            for j, idx in enumerate(self.target_idx):
                if rate:
                    later = self._read(0, j, (self.phi + self.omega * h) % TWO_PI)
                    now = self._read(0, j, self.phi) if delta else 0.0
                else:
                    later, now = self._read(s, j, self.phi), 0.0
                if later is None or now is None:
                    return self.hold(frame, out, "learning the template: holding the last value")
                out[s * n + j] = (frame[idx] if delta else 0.0) + later - now
        self.fallback, self.status = False, "locked"


register_model(
    "phase-template",
    kind="online",
    config=TemplateConfig,
    description="phase from a joint's phase portrait (Quintero 2018), template learned online",
)(PhaseTemplate)
