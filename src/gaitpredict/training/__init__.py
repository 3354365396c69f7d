"""Stage 4, windows -> a fitted model: the trainer (Adam, early stopping on validation
trials, Ctrl-C safe) and self-describing, validated checkpoints."""
