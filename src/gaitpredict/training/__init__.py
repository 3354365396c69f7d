"""Stage 4, windows -> a fitted model: the trainer (Adam, early stopping on validation
trials, Ctrl-C safe) and self-describing, validated checkpoints."""

from .checkpoint import load_checkpoint, save_checkpoint
from .trainer import TrainConfig, train

__all__ = ["TrainConfig", "load_checkpoint", "save_checkpoint", "train"]
