"""Streaming-native variant (experimental): an LSTM that carries its state frame to frame.

Instead of recomputing a whole window at every push, `RecurrentGait` takes one frame
(angles and their frame-to-frame change, normalised) per step and predicts the change of the
target `horizon` ahead. It is trained on chunks of whole trials with a burn-in (truncated
back-propagation), and runs live through `RecurrentStreamer`, a NumPy step of a few small
matrix products on buffers allocated once. Compare with the windowed model in
`benchmarks/recurrent.py`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ...errors import ConfigError
from ...training.trainer import seed_everything


def finite_segments(angles: np.ndarray, min_frames: int):
    """(start, stop) of runs of frames with every channel finite, at least `min_frames` long."""
    ok = np.isfinite(angles).all(axis=1)
    edges = np.flatnonzero(np.diff(np.r_[0, ok.astype(int), 0]))
    return [(a, b) for a, b in zip(edges[::2], edges[1::2], strict=True) if b - a >= min_frames]


class RecurrentGait(nn.Module):
    """(B, T, C) raw degrees -> (B, T, outputs) degrees; row t predicts frame t + horizon."""

    def __init__(self, spec, hidden: int = 64, dense: int = 64):
        super().__init__()
        self.spec = spec
        n_in, n_out = len(spec.inputs), len(spec.target)
        if spec.multi_horizon:
            raise ConfigError("the recurrent variant predicts one horizon step")
        self.lstm = nn.LSTM(2 * n_in, hidden, batch_first=True)
        self.head = nn.Sequential(nn.Linear(hidden, dense), nn.Tanh(), nn.Linear(dense, n_out))
        for name, size in (("x_mean", n_in), ("x_std", n_in), ("v_std", n_in),
                           ("y_mean", n_out), ("y_std", n_out)):  # fmt: skip
            self.register_buffer(name, torch.zeros(size) if "mean" in name else torch.ones(size))
        self.register_buffer("target_idx", torch.tensor(spec.target_in_inputs))

    def features(self, x):
        v = torch.diff(x, dim=1, prepend=x[:, :1])  # first frame: no change yet
        return torch.cat([(x - self.x_mean) / self.x_std, v / self.v_std], dim=2)

    def forward(self, x, state=None):
        h, state = self.lstm(self.features(x), state)
        y = self.head(h) * self.y_std + self.y_mean + x[..., self.target_idx]
        return y, state


def _sequences(trials, spec):
    """Finite segments as (inputs (T, C), delta targets (T, n_out) with NaN past the end)."""
    h = spec.horizon_frames
    out = []
    for t in trials:
        x = t.select(list(spec.inputs)).angles_deg
        for a, b in finite_segments(x, spec.window_frames + h):
            seg = x[a:b]
            y = np.full((len(seg), len(spec.target)), np.nan)
            y[:-h] = seg[h:, spec.target_in_inputs] - seg[:-h, spec.target_in_inputs]
            out.append((seg, y))
    return out


def _chunks(seqs, length: int, stride: int):
    xs, ys = [], []
    for x, y in seqs:
        for s in range(0, max(len(x) - length, 0) + 1, stride):
            xs.append(x[s : s + length])
            ys.append(y[s : s + length])
    return torch.tensor(np.stack(xs), dtype=torch.float32), torch.tensor(
        np.stack(ys), dtype=torch.float32
    )


def fit_normalisation(model: RecurrentGait, seqs) -> None:
    x = np.concatenate([s[0] for s in seqs])
    v = np.concatenate([np.diff(s[0], axis=0) for s in seqs])
    y = np.concatenate([s[1] for s in seqs])
    y = y[np.isfinite(y).all(axis=1)]
    with torch.no_grad():
        for name, value in (("x_mean", x.mean(0)), ("x_std", x.std(0)), ("v_std", v.std(0)),
                            ("y_mean", y.mean(0)), ("y_std", y.std(0))):  # fmt: skip
            getattr(model, name).copy_(
                torch.tensor(np.maximum(value, 1e-3) if "std" in name else value)
            )


@torch.no_grad()
def predict_trial(model: RecurrentGait, angles: np.ndarray) -> np.ndarray:
    """Per-frame predictions (degrees) for one trial, state carried from each segment start;
    NaN until a window's worth of frames has been seen, like the windowed models."""
    spec = model.spec
    out = np.full((len(angles), len(spec.target)), np.nan)
    for a, b in finite_segments(angles, spec.window_frames):
        y, _ = model(torch.tensor(angles[a:b][None], dtype=torch.float32))
        out[a + spec.window_frames - 1 : b] = y[0, spec.window_frames - 1 :].double().numpy()
    return out


def rmse_on(model, trials) -> float:
    spec, h = model.spec, model.spec.horizon_frames
    errors = []
    for t in trials:
        x = t.select(list(spec.inputs)).angles_deg
        p = predict_trial(model, x)[:-h]
        truth = x[h:, spec.target_in_inputs]
        ok = np.isfinite(p).all(1) & np.isfinite(truth).all(1)
        errors.append((p[ok] - truth[ok]).ravel())
    return float(np.sqrt(np.mean(np.concatenate(errors) ** 2)))


def train_recurrent(
    spec,
    train_trials,
    val_trials,
    max_epochs=40,
    patience=6,
    seed=0,
    chunk_frames=240,
    batch=32,
    lr=1e-3,
    progress=None,
):
    """Train on chunks of whole trials; early stopping on validation RMSE (degrees)."""
    seed_everything(seed)
    model = RecurrentGait(spec)
    seqs = _sequences(train_trials, spec)
    fit_normalisation(model, seqs)
    x, y = _chunks(seqs, chunk_frames, chunk_frames // 2)
    burn = spec.window_frames  # no loss until the state has seen a window's worth
    y_norm = (y - model.y_mean) / model.y_std
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(seed)
    best, best_state, stale, history = float("inf"), None, 0, []
    for epoch in range(max_epochs):
        model.train()
        for idx in torch.randperm(len(x), generator=g).split(batch):
            pred, _ = model(x[idx])
            target = y_norm[idx][:, burn:]
            err = ((pred[:, burn:] - x[idx][:, burn:, model.target_idx] - model.y_mean)
                   / model.y_std - target)  # fmt: skip
            mask = torch.isfinite(target)
            loss = (err[mask] ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        val = rmse_on(model, val_trials)
        history.append(val)
        if progress:
            progress(epoch, val)
        if val < best:
            best, best_state, stale = val, {k: v.clone() for k, v in model.state_dict().items()}, 0
        else:
            stale += 1
            if stale >= patience:
                break
    model.load_state_dict(best_state)
    model.eval()
    return model, history


class RecurrentStreamer:
    """One frame in, one prediction out: the LSTM step in NumPy, float64, no allocation."""

    def __init__(self, model: RecurrentGait):
        sd = {k: v.detach().double().numpy() for k, v in model.state_dict().items()}
        self.n = n = len(model.spec.inputs)
        self.hidden = hdim = model.lstm.hidden_size
        self.w = np.ascontiguousarray(np.hstack([sd["lstm.weight_ih_l0"], sd["lstm.weight_hh_l0"]]))
        self.b = sd["lstm.bias_ih_l0"] + sd["lstm.bias_hh_l0"]
        self.w1, self.b1 = sd["head.0.weight"], sd["head.0.bias"]
        self.w2, self.b2 = sd["head.2.weight"], sd["head.2.bias"]
        self.x_mean, self.x_std, self.v_std = sd["x_mean"], sd["x_std"], sd["v_std"]
        self.y_mean, self.y_std = sd["y_mean"], sd["y_std"]
        self.target_idx = sd["target_idx"].astype(int)
        self.z = np.zeros(2 * n + hdim)  # [normalised angles, normalised change, h]
        self.gates = np.zeros(4 * hdim)
        self.c = np.zeros(hdim)
        self.prev = np.zeros(n)
        self.d = np.zeros(self.w1.shape[0])
        self.out = np.zeros(self.w2.shape[0])
        self.started = False

    def reset(self) -> None:
        self.z[:] = 0.0
        self.c[:] = 0.0
        self.started = False

    def push(self, frame: np.ndarray) -> np.ndarray:
        n, hdim, z, g = self.n, self.hidden, self.z, self.gates
        np.subtract(frame, self.x_mean, out=z[:n])
        np.divide(z[:n], self.x_std, out=z[:n])
        if self.started:
            np.subtract(frame, self.prev, out=z[n : 2 * n])
            np.divide(z[n : 2 * n], self.v_std, out=z[n : 2 * n])
        self.prev[:] = frame
        self.started = True
        np.dot(self.w, z, out=g)
        g += self.b
        # PyTorch's gate order: input, forget, cell, output
        np.negative(g[: 2 * hdim], out=g[: 2 * hdim])
        np.exp(g[: 2 * hdim], out=g[: 2 * hdim])
        g[: 2 * hdim] += 1.0
        np.reciprocal(g[: 2 * hdim], out=g[: 2 * hdim])
        np.negative(g[3 * hdim :], out=g[3 * hdim :])
        np.exp(g[3 * hdim :], out=g[3 * hdim :])
        g[3 * hdim :] += 1.0
        np.reciprocal(g[3 * hdim :], out=g[3 * hdim :])
        np.tanh(g[2 * hdim : 3 * hdim], out=g[2 * hdim : 3 * hdim])
        self.c *= g[hdim : 2 * hdim]
        g[2 * hdim : 3 * hdim] *= g[:hdim]
        self.c += g[2 * hdim : 3 * hdim]
        h = z[2 * n :]
        np.tanh(self.c, out=h)
        h *= g[3 * hdim :]
        np.dot(self.w1, h, out=self.d)
        self.d += self.b1
        np.tanh(self.d, out=self.d)
        np.dot(self.w2, self.d, out=self.out)
        self.out += self.b2
        self.out *= self.y_std
        self.out += self.y_mean
        self.out += frame[self.target_idx]
        return self.out
