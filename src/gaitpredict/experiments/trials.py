"""The trials a run uses: the labs it names, less the trials that lack a channel it needs."""

from __future__ import annotations

import warnings
from dataclasses import replace

from ..data.channels import resolve_channels
from ..data.datasets import Dataset
from ..errors import ConfigError


def only_labs(dataset: Dataset, labs) -> Dataset:
    if not labs:
        return dataset
    unknown = sorted(set(labs) - set(dataset.labs))
    if unknown:
        raise ConfigError(f"lab(s) {unknown} not in the corpus; it has {dataset.labs}")
    return replace(dataset, trials=[t for t in dataset.trials if t.meta.get("lab") in labs])


def needed_channels(cfg) -> list[str]:
    """The channels a run config's inputs and target need, in order."""
    return list(dict.fromkeys(resolve_channels(cfg.inputs) + resolve_channels(cfg.target)))


def usable_trials(dataset: Dataset, needed) -> tuple[Dataset, list]:
    """The trials holding every channel in `needed`; the others are left out with a
    warning that lists them."""
    kept, left_out = dataset.with_channels(needed)
    if left_out:
        listed = "; ".join(f"{tid} (lacks {', '.join(m)})" for tid, m in left_out[:10])
        more = f"; and {len(left_out) - 10} more" if len(left_out) > 10 else ""
        warnings.warn(
            f"{len(left_out)} trial(s) left out, lacking channels the inputs need: {listed}{more}",
            stacklevel=3,
        )
    return kept, left_out
