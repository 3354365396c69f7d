"""`adaptive-oscillator`: adaptive-frequency oscillators that learn the gait's frequency and
the target joint's shape online, and predict it by advancing their phase by the horizon.

The pool of oscillators is that of Ronsse et al. (2011, Med Biol Eng Comput 49:1173,
"Oscillator-based assistance of cyclical movements"), built on the adaptive frequency
oscillator of Righetti, Buchli & Ijspeert (2006, Physica D 216:269). A driver angle d(t)
(the target itself, or the hip flexion of the target's side) is estimated by K oscillators
with phases phi_i locked to harmonics of one frequency omega:

    d_hat   = alpha_0 + sum_i alpha_i sin(phi_i),     F = d - d_hat
    phi_i'  = i omega + nu_phi (F / sum_i |alpha_i|) cos(phi_i)
    omega'  = nu_omega (F / sum_i |alpha_i|) cos(phi_1)
    alpha_i' = eta F sin(phi_i),    alpha_0' = eta F

(the normalisation by the summed amplitudes is Ronsse et al.'s; it is floored at
`min_range_deg` while the amplitudes are still small). The target y, when it is not the
driver, is learned on the same phases with sine and cosine terms, because it is shifted in
phase from the driver: y_hat = beta_0 + sum_i beta_i sin(phi_i) + gamma_i cos(phi_i), each
coefficient by the same rule as alpha (gradient descent on the squared error, rate eta).
The prediction h seconds ahead is y_hat at phi_i + i omega h (Ronsse et al.'s
prediction of a future angle; used for exoskeleton control by Yan et al. 2017, Auton Robots
41:217). Integration is explicit Euler at the model rate.

Safety, off the cycle: omega is kept within [min_stride_hz, max_stride_hz]; learning stops
while the driver is still (its RMS about its mean over `gate_s` under `min_range_deg`) and
while frames are held across a gap; the model predicts the target's last value until the
oscillators are locked (the driver's RMS error over `gate_s` under `lock_ratio` of its RMS
about its mean, after at least `gate_s` of walking), while the frequency sits at a bound and
while the wearer stands. `status` says which.

The defaults (driven by the target, 2 harmonics, nu_phi 40, nu_omega 5, eta 5, locked at
0.5 over 0.5 s) are the best of 1,296 settings on five labs that score nothing
(`benchmarks/choose_online.py`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..options import setting
from . import register_model
from .online import TWO_PI, CycleOptions, OnlineModel, clamp, wrap_phase


@dataclass
class OscillatorConfig(CycleOptions):
    driver: str = setting(
        "target", "the angle whose cycle sets the phase: target, hip (the target side's hip "
        "flexion) or a channel name",
    )  # fmt: skip
    harmonics: int = setting(2, "oscillators in the pool (harmonics of the stride frequency)")
    nu_phase: float = setting(40.0, "phase coupling gain nu_phi, 1/s")
    nu_freq: float = setting(5.0, "frequency learning gain nu_omega, 1/s")
    eta: float = setting(5.0, "shape learning rate eta, 1/s")
    lock_ratio: float = setting(0.5, "locked once the driver's RMS error is under this "
                                "fraction of its RMS about its mean")  # fmt: skip
    min_range_deg: float = setting(4.0, "walking: the driver's RMS about its mean above this")
    gate_s: float = setting(0.5, "averaging time of the walking and lock tests, s")


class AdaptiveOscillator(OnlineModel):
    LEARNED = ("phi", "omega", "alpha", "alpha0", "beta0", "beta", "gamma", "err2", "var",
               "mean")  # fmt: skip

    def __init__(self, spec, cfg: OscillatorConfig):
        self.k = cfg.harmonics
        super().__init__(spec, cfg)
        self.driver = self.driver_index(cfg.driver)

    def _forget(self) -> None:
        k, cfg = self.k, self.cfg
        self.phi = [0.0] * k
        self.omega = TWO_PI * cfg.start_stride_hz
        self.alpha, self.alpha0 = [0.0] * k, None
        n = len(self.target_idx)
        self.beta0 = [None] * n
        self.beta = [[0.0] * k for _ in range(n)]
        self.gamma = [[0.0] * k for _ in range(n)]
        self.err2 = self.var = 0.0
        self.mean = None  # the driver's recent mean (the walking test's centre)
        self.interrupt()

    def interrupt(self) -> None:
        # the lock and walking tests start again: their averages are plain means over the
        # frames seen since, until those span `gate_s`, so a wearer whose shape and
        # frequency are known is locked again after `gate_s` if the phase has caught up
        self.walked_s, self.frames_since = 0.0, 0

    def _observe(self, frame, held: bool) -> None:
        cfg, dt, k, phi, alpha = self.cfg, self.dt, self.k, self.phi, self.alpha
        if held:  # a bridged frame is no measurement: the phase runs on
            for i in range(k):
                phi[i] = wrap_phase(phi[i] + (i + 1) * self.omega * dt)
            return
        d = frame[self.driver]
        if self.alpha0 is None:
            self.alpha0 = d
        sins = [math.sin(p) for p in phi]
        coss = [math.cos(p) for p in phi]
        f = d - self.alpha0 - sum(a * s for a, s in zip(alpha, sins, strict=True))
        self.frames_since += 1
        g = max(dt / cfg.gate_s, 1.0 / self.frames_since)
        self.err2 += g * (f * f - self.err2)
        self.mean = d if self.mean is None else self.mean + g * (d - self.mean)
        self.var += g * ((d - self.mean) ** 2 - self.var)
        walking = self.var >= cfg.min_range_deg**2
        c = f / self._norm()
        for i in range(k):
            coupling = cfg.nu_phase * c * coss[i] if walking else 0.0
            phi[i] = wrap_phase(phi[i] + dt * ((i + 1) * self.omega + coupling))
        if not walking:
            self.walked_s = 0.0
            return
        self.walked_s += dt
        self.omega = clamp(self.omega + dt * cfg.nu_freq * c * coss[0], self.w_min, self.w_max)
        step = dt * cfg.eta
        for i in range(k):
            alpha[i] += step * f * sins[i]
        self.alpha0 += step * f
        for j, idx in enumerate(self.target_idx):
            y = frame[idx]
            if self.beta0[j] is None:
                self.beta0[j] = y
            b, gm = self.beta[j], self.gamma[j]
            e = y - self.beta0[j] - sum(b[i] * sins[i] + gm[i] * coss[i] for i in range(k))
            self.beta0[j] += step * e
            for i in range(k):
                b[i] += step * e * sins[i]
                gm[i] += step * e * coss[i]

    def _norm(self) -> float:
        return max(sum(abs(a) for a in self.alpha), self.cfg.min_range_deg)

    def _predict(self, frame, out) -> None:
        cfg = self.cfg
        if self.var < cfg.min_range_deg**2:
            return self.hold(frame, out, "not walking: holding the last value")
        if not self.w_min < self.omega < self.w_max:
            return self.hold(frame, out, "frequency at its bound: holding the last value")
        if self.walked_s < cfg.gate_s or self.err2 > cfg.lock_ratio**2 * self.var:
            return self.hold(frame, out, "locking: holding the last value")
        n, k, phi = len(self.target_idx), self.k, self.phi
        for s, h in enumerate(self.ahead_s):
            ahead = [p + (i + 1) * self.omega * h for i, p in enumerate(phi)]
            sins = [math.sin(a) for a in ahead]
            coss = [math.cos(a) for a in ahead]
            for j in range(n):
                b, gm = self.beta[j], self.gamma[j]
                out[s * n + j] = self.beta0[j] + sum(
                    b[i] * sins[i] + gm[i] * coss[i] for i in range(k)
                )
        self.fallback, self.status = False, "locked"


register_model(
    "adaptive-oscillator",
    kind="online",
    config=OscillatorConfig,
    description="adaptive-frequency oscillators (Ronsse 2011) learning the joint's shape online",
)(AdaptiveOscillator)
