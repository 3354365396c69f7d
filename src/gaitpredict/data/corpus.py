"""Several labs' datasets as one corpus: subjects named `lab/subject`, each lab keeping its
own rates and conventions (the readers already map every lab onto the channel catalog).

The lab is the dataset folder's name (`cmu_walking`, `mcgill_walking`, ...). Trials keep
their own rate; windows bring them to the model's rate causally (`data.rates`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..errors import ConfigError
from .datasets import CMU_FOLDER, CMU_NAME, Dataset, load_dataset
from .labs import LABS
from .subjects import SEPARATOR, split_subject

__all__ = ["lab_name", "load_corpus", "resolve_subject", "split_subject"]


def lab_name(dataset: Dataset) -> str:
    if dataset.root is not None:
        return Path(dataset.root).name
    return CMU_FOLDER if dataset.name == CMU_NAME else dataset.name


def load_corpus(sources, labelled: bool = False, **options) -> Dataset:
    """One dataset from several (folders or 'cmu-walking'). With one source it is that
    dataset, subjects unprefixed (unless `labelled`); with more, subjects and trial ids get
    a `lab/` prefix."""
    if isinstance(sources, str | Path):  # one source, not the characters of its path
        sources = [sources]
    sources = list(sources) or [CMU_NAME]
    if len(sources) == 1 and not labelled:
        return load_dataset(sources[0], **options)
    parts = [load_dataset(s, **options) for s in sources]
    labs = [lab_name(d) for d in parts]
    twice = sorted({lab for lab in labs if labs.count(lab) > 1})
    if twice:
        raise ConfigError(f"dataset(s) {twice} given more than once")
    for lab in labs:
        dup = LABS[lab].duplicate_of if lab in LABS else None
        if dup in labs:
            raise ConfigError(
                f"{lab} holds recordings that are also in {dup} (its README says so); "
                "combining them would put one walk on both sides of a split"
            )
    trials, skipped, notes = [], [], []
    for lab, d in zip(labs, parts, strict=True):
        for t in d.trials:
            meta = {**t.meta, "lab": lab}
            trials.append(
                replace(
                    t,
                    subject=f"{lab}{SEPARATOR}{t.subject}",
                    trial_id=f"{lab}{SEPARATOR}{t.trial_id}",
                    meta=meta,
                )
            )
        skipped += [(f"{lab}{SEPARATOR}{f}", why) for f, why in d.skipped]
        notes += d.notes
    return Dataset("+".join(labs), trials, root=None, notes=notes, skipped=skipped)


def resolve_subject(dataset: Dataset, subject: str) -> str:
    """`lab/S` as given, or a bare `S` that names exactly one lab's subject."""
    if subject in dataset.subjects:
        return subject
    matches = [s for s in dataset.subjects if split_subject(s)[1] == subject]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise ConfigError(f"subject {subject!r} is in several labs: {matches}; name one")
    return subject  # the split refuses it, listing the subjects
