"""Baselines with the networks' interface: `hold`, `const-velocity`, `ridge`.

They work on degrees directly. `hold` repeats the last observed target value;
`const-velocity` extrapolates the target linearly from its last two frames; `ridge` is a
linear regression on the same flattened input window, its regularisation chosen on the
validation windows (`fit`).
"""

from __future__ import annotations

import torch
from torch import nn

from . import register_model


class Hold(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.register_buffer("target_idx", torch.tensor(spec.target_in_inputs))
        self.steps = spec.horizon_frames if spec.multi_horizon else 1

    def forward(self, x, return_attention=False):
        y = x[:, -1, self.target_idx].repeat(1, self.steps)
        return (y, None) if return_attention else y


class ConstVelocity(Hold):
    def __init__(self, spec):
        super().__init__(spec)
        ahead = (
            torch.arange(1, spec.horizon_frames + 1)
            if spec.multi_horizon
            else torch.tensor([spec.horizon_frames])
        )
        self.register_buffer("ahead", ahead.float())

    def forward(self, x, return_attention=False):
        last, prev = x[:, -1, self.target_idx], x[:, -2, self.target_idx]
        # outputs are ordered horizon-major: (step 1: targets), (step 2: targets), ...
        y = last[:, None, :] + (last - prev)[:, None, :] * self.ahead[None, :, None]
        y = y.reshape(x.shape[0], -1)
        return (y, None) if return_attention else y


class Ridge(nn.Module):
    ALPHAS = (1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)  # penalty per window, on z-scores

    def __init__(self, spec):
        super().__init__()
        n_feat = spec.window_frames * len(spec.inputs)
        self.linear = nn.Linear(n_feat, spec.n_outputs)
        self.register_buffer("mean", torch.zeros(n_feat))
        self.register_buffer("std", torch.ones(n_feat))
        self.alpha = None

    def forward(self, x, return_attention=False):
        y = self.linear((x.reshape(x.shape[0], -1) - self.mean) / self.std)
        return (y, None) if return_attention else y

    @torch.no_grad()
    def fit(self, x_train, y_train, x_val, y_val) -> float:
        """Closed-form ridge for each alpha; keeps the one with the lowest validation MSE."""
        xt = x_train.reshape(x_train.shape[0], -1).double()
        self.mean.copy_(xt.mean(0).float())
        self.std.copy_(xt.std(0).clamp_min(1e-6).float())
        z = (xt - self.mean.double()) / self.std.double()
        ym = y_train.double().mean(0)
        gram, cross = z.T @ z, z.T @ (y_train.double() - ym)
        eye, best = torch.eye(gram.shape[0], dtype=gram.dtype), None
        for alpha in self.ALPHAS:
            w = torch.linalg.solve(gram + alpha * len(z) * eye, cross)
            self.linear.weight.copy_(w.T.float())
            self.linear.bias.copy_(ym.float())
            mse = float(((self(x_val) - y_val) ** 2).mean())
            if best is None or mse < best[0]:
                best = (mse, alpha, w.T.float().clone())
        self.alpha = best[1]
        self.linear.weight.copy_(best[2])
        return best[1]


register_model("hold", kind="baseline", description="repeats the last observed target value")(Hold)
register_model(
    "const-velocity",
    kind="baseline",
    description="extrapolates the target from its last two frames",
)(ConstVelocity)
register_model(
    "ridge",
    kind="baseline",
    fits=True,
    description="linear regression on the window, regularisation chosen on validation",
)(Ridge)
