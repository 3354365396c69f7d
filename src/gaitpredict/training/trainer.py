"""A minimal trainer: MSE on normalised targets, Adam, early stopping, progress, interrupts."""

from __future__ import annotations

import copy
import functools
import random
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from tqdm import tqdm

from ..errors import ConfigError
from ..options import setting

PRECISIONS = ("float32", "bfloat16", "auto")


BFLOAT16_CAPABILITIES = ("avx512_bf16", "amx_bf16", "bf16")  # bf16: ARM


@functools.cache
def bfloat16_failure() -> str | None:
    """Why bfloat16 training cannot run here (None when it can): the CPU lacks bfloat16
    instructions, or oneDNN refuses a bfloat16 LSTM (as it does on AVX2-only CPUs, or with
    its ISA capped by ONEDNN_MAX_CPU_ISA), found by one tiny training step."""
    caps = torch.cpu.get_capabilities()
    if not any(caps.get(k, False) for k in BFLOAT16_CAPABILITIES):
        have = sorted(k for k, v in caps.items() if v is True and k.startswith(("avx", "amx")))
        return (
            f"this CPU has no bfloat16 instructions ({', '.join(BFLOAT16_CAPABILITIES)}); it "
            f"has {', '.join(have) or 'none'} (torch.cpu.get_capabilities())"
        )
    lstm, x = torch.nn.LSTM(2, 2, batch_first=True), torch.zeros(2, 3, 2)
    try:
        with torch.autocast("cpu", torch.bfloat16):
            out, _ = lstm(x)
        out.float().sum().backward()
    except RuntimeError as exc:
        return f"oneDNN runs no bfloat16 LSTM here ({str(exc).split('. ')[0]})"
    return None


def resolve_precision(precision: str) -> str:
    """The precision a training runs in: "auto" becomes bfloat16 where bfloat16 training
    runs natively (`bfloat16_failure`), else float32. An explicit "bfloat16" where it does
    not is refused with a ConfigError saying why: without bfloat16 instructions oneDNN has
    no bfloat16 LSTM (training failed inside the library) and the rest would be emulated,
    slower than float32."""
    if precision == "float32":
        return precision
    failure = bfloat16_failure()
    if precision == "auto":
        return "float32" if failure else "bfloat16"
    if failure:
        raise ConfigError(
            f"precision bfloat16 needs a CPU with bfloat16 instructions: {failure}. "
            "Use precision float32, or auto (float32 here)"
        )
    return precision


@dataclass
class TrainConfig:
    """Training settings; the paper's are Adam, MSE, batch 128 and 300 epochs. Each field is
    declared once with its help text: `gaitpredict train` options, grid `train:` keys and
    recipes read them from here."""

    max_epochs: int = setting(300, "most epochs to train")
    batch_size: int = setting(128, "training windows per step")
    lr: float = setting(1e-3, "Adam's learning rate")
    weight_decay: float = setting(0.0, "Adam's weight decay")
    patience: int = setting(20, "stop after this many epochs without a better validation loss")
    mirror: bool = setting(False, "add the training trials mirrored left/right")
    cadence_warp: float = setting(
        0.0,
        "augmentation: every training trial added once more, played 1 - this or 1 + this "
        "times as fast (alternately; a slower or faster cadence, the angles unchanged; 0: off)",
        legacy=0.0,
    )
    seed: int = setting(0, "seed of every random choice (validation trials, order, weights)")
    deterministic: bool = setting(True, "deterministic kernels (bit-identical reruns)")
    threads: int | None = setting(None, "torch CPU threads (default: torch's)", identity=False)
    val_fraction: float = setting(0.15, "share of training frames (whole trials) validating")
    norm_sample: int = setting(20000, "training windows sampled to fit the normalisation")
    progress: bool = setting(True, "show a progress bar", identity=False, cli=False)
    amplitude_jitter: float = setting(
        0.0,
        "augmentation: each training window's motion about its last frame scaled by a random "
        "factor in 1 +- this (0: off)",
        legacy=0.0,
    )
    input_noise_deg: float = setting(
        0.0,
        "augmentation: Gaussian noise of this standard deviation (deg) added to every input "
        "angle of every training frame independently, the targets left clean, so the "
        "network learns not to pass the recording's frame-to-frame noise into its "
        "prediction (0: off)",
        legacy=0.0,
    )
    smoothness: float = setting(
        0.0,
        "weight of a smoothness term: each batch holds runs of 3 consecutive windows, and the "
        "mean square of the second difference of their normalised errors is added to the loss "
        "(a prediction as smooth as the truth costs nothing; 0: off, windows drawn one by one)",
        legacy=0.0,
    )
    precision: str = setting(
        "float32",
        "training steps in float32, or with the forward pass in bfloat16 (CPU autocast; "
        "weights, optimiser, validation and predictions stay float32); auto: bfloat16 where "
        "the CPU has bfloat16 instructions (AVX512-BF16, AMX, ARM BF16), else float32",
        choices=PRECISIONS,
        legacy="float32",
    )

    def __post_init__(self):
        if not 0 <= self.cadence_warp < 1:
            raise ConfigError(f"cadence_warp must be in [0, 1), got {self.cadence_warp!r}")
        if not self.input_noise_deg >= 0:
            raise ConfigError(f"input_noise_deg must be 0 or more, got {self.input_noise_deg!r}")
        if not self.smoothness >= 0:
            raise ConfigError(f"smoothness must be 0 or more, got {self.smoothness!r}")
        if self.precision not in PRECISIONS:
            raise ConfigError(
                f"precision must be one of {', '.join(PRECISIONS)}, got {self.precision!r}"
            )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class History:
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int = 0
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def epochs_run(self) -> int:
        return len(self.train_loss)


def seed_everything(seed: int, deterministic: bool = True, threads: int | None = None) -> None:
    """Seed every generator. `deterministic` asks PyTorch for deterministic algorithms: a
    seeded run then gives bit-identical weights and metrics on the same machine with the
    same thread count (a different thread count or CPU may change the last bits of sums).

    PyTorch's deterministic mode also fills every uninitialised tensor with NaN by default,
    to expose reads of uninitialised memory: 3,000 fills a training step (9 % of its time),
    and no kernel used here reads such memory, so the fill is turned off; results are
    bit-identical with and without it."""
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - seeds legacy global-state users too
    torch.manual_seed(seed)
    if threads:
        torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(deterministic, warn_only=True)
    torch.utils.deterministic.fill_uninitialized_memory = False


def _scale(model) -> torch.Tensor:
    """A trained model's `loss_scale` (the trainer trains `GaitNet`s: the registry's
    trainable networks; calibration trains copies of them)."""
    return model.loss_scale


@torch.no_grad()
def evaluate_loss(model, windows, chunk: int = 4096) -> float:
    model.eval()
    total, n = 0.0, 0
    for x, y in windows.chunks(chunk):
        total += float((((model(x) - y) / _scale(model)) ** 2).sum())
        n += y.numel()
    return total / max(n, 1)


def fit_normalisation(model, windows, sample: int, seed: int) -> None:
    """Fit a normalising model's statistics on a seeded sample of training windows (call it
    for models registered with `normalises=True`)."""
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(windows), generator=g)[:sample]
    model.fit_normalisation(*windows.batch(idx))


def train(model, train_windows, val_windows, cfg: TrainConfig, on_epoch=None, penalty=None,
          ) -> History:  # fmt: skip
    """Train in place; the best weights (lowest validation loss) are restored at the end.

    Only parameters that require a gradient are trained. `penalty(model)`, when given, is
    added to every step's loss (e.g. a pull toward other weights); validation never sees it.
    `on_epoch(model, history, improved)` runs after every epoch (e.g. to save a checkpoint).
    Ctrl-C stops training cleanly: the best weights so far are kept and `interrupted` set.
    """
    history = History()
    start = time.perf_counter()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    g = torch.Generator().manual_seed(cfg.seed)
    best_loss, best_state, stale = float("inf"), None, 0
    targets = train_windows.spec.target_in_inputs if cfg.amplitude_jitter else None
    low = resolve_precision(cfg.precision) == "bfloat16"
    runs = consecutive_runs(train_windows) if cfg.smoothness else None
    group = RUN if runs is not None else 1  # one jitter per run: its windows stay consistent
    step = cfg.batch_size // group  # rows of `order` per batch
    n_windows = len(train_windows) if runs is None else len(runs) * RUN
    bar = tqdm(range(cfg.max_epochs), desc="epochs", disable=not cfg.progress, leave=False)
    try:
        for epoch in bar:
            model.train()
            order = _draw(train_windows, runs, g)
            total, scale = torch.zeros((), dtype=torch.float64), _scale(model)
            for i in range(0, len(order), step):
                idx = order[i : i + step].reshape(-1)
                x, y = train_windows.batch(idx)
                if cfg.amplitude_jitter:
                    x, y = jitter_amplitude(x, y, targets, cfg.amplitude_jitter, g, group)
                if cfg.input_noise_deg:
                    x = add_input_noise(x, cfg.input_noise_deg, g)
                with torch.autocast("cpu", torch.bfloat16, enabled=low):
                    out = model(x)
                error = (out.float() - y) / scale
                loss = (error**2).mean()
                full = loss
                if runs is not None:  # (runs, 3, outputs): one second difference per run
                    e = error.reshape(-1, RUN, error.shape[-1])
                    full = loss + cfg.smoothness * ((e[:, 2] - 2 * e[:, 1] + e[:, 0]) ** 2).mean()
                opt.zero_grad(set_to_none=True)
                (full if penalty is None else full + penalty(model)).backward()
                opt.step()
                total += loss.detach() * len(y)
            history.train_loss.append(float(total) / n_windows)
            history.val_loss.append(evaluate_loss(model, val_windows))
            improved = history.val_loss[-1] < best_loss
            if improved:
                best_loss, best_state, stale = history.val_loss[-1], _copy(model), 0
                history.best_epoch = epoch + 1
            else:
                stale += 1
            bar.set_postfix(
                train=f"{history.train_loss[-1]:.4f}",
                val=f"{history.val_loss[-1]:.4f}",
                best=history.best_epoch,
            )
            history.seconds = time.perf_counter() - start
            if on_epoch:
                on_epoch(model, history, improved)
            if stale >= cfg.patience:
                break
    except KeyboardInterrupt:
        history.interrupted = True
    finally:
        bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    history.seconds = time.perf_counter() - start
    model.eval()
    return history


RUN = 3  # consecutive windows per run under a smoothness term


def consecutive_runs(windows) -> torch.Tensor:
    """(runs, RUN) indices of windows whose last frames follow one another in one trial
    (frame arrays are concatenated with a window's length between trials, so a step of one
    frame never crosses from one trial to the next); runs do not overlap."""
    end = windows.end
    follows = (end[1:] - end[:-1]) == 1
    ok = follows[: len(end) - RUN + 1].clone()
    for k in range(1, RUN - 1):
        ok &= follows[k : len(end) - RUN + 1 + k]
    starts = torch.nonzero(ok).flatten()
    keep, last = [], -RUN
    for s in starts.tolist():  # greedy, without overlap
        if s >= last + RUN:
            keep.append(s)
            last = s
    if not keep:
        raise ConfigError(f"smoothness needs runs of {RUN} consecutive windows; none here")
    return torch.tensor(keep)[:, None] + torch.arange(RUN)


def _draw(windows, runs, g) -> torch.Tensor:
    """An epoch's order: every window once (one by one), or every run once."""
    if runs is None:
        return torch.randperm(len(windows), generator=g)
    return runs[torch.randperm(len(runs), generator=g)]


def jitter_amplitude(x, y, targets, amount: float, g, group: int = 1) -> tuple:
    """Scale each window's motion about its last frame by 1 + U(-amount, amount): a walker
    who moves the same way with larger or smaller joint excursions. Only what the model sees
    relative to the last frame changes (inputs and the target's change from it). `group`:
    consecutive windows sharing one factor (runs under a smoothness term)."""
    s = 1.0 + (torch.rand(len(x) // group, 1, 1, generator=g) * 2 - 1) * amount
    s = s.repeat_interleave(group, dim=0)
    last = x[:, -1:, :]
    x = last + s * (x - last)
    base = last[:, 0, targets].repeat(1, y.shape[1] // len(targets))
    y = base + s[:, 0] * (y - base)
    return x, y


def add_input_noise(x, std_deg: float, g):
    """Add independent Gaussian noise of `std_deg` to every input value (every channel of
    every frame of every window): the frame-to-frame noise of a recorded angle. The targets
    are not touched, so a network that passes the noise on to its prediction is penalised."""
    return x + torch.randn(x.shape, generator=g, dtype=x.dtype) * std_deg


def _copy(model) -> dict:
    return copy.deepcopy(model.state_dict())
