"""Train/test splits made BEFORE windowing: by subject, by time within subject, or by file.

Leave-one-subject-out keeps every frame of the test subject out of training and validation,
and follows the data READMEs: `unknown` trials train only, those that may be S35 are dropped
when S35 is tested, and subjects a lab says may be one person (Qualisys P001/P004) are kept
on one side (`Dataset.may_be`). Subject names are compared bare (`data.subjects`), in a
corpus (`lab/S`) as in one lab. Validation is carved from training as whole trials.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..data.datasets import Dataset
from ..data.subjects import is_unknown
from ..data.trial import Trial
from ..errors import GaitDataError, NotApplicableError


@dataclass
class Split:
    name: str
    train: list[Trial]
    test: list[Trial]
    dropped: list[str] = field(default_factory=list)
    test_subject: str | None = None
    test_lab: str | None = None
    left_out: list = field(default_factory=list)  # (trial, missing channels) before the split


def leave_one_subject_out(dataset: Dataset, test_subject: str) -> Split:
    if test_subject not in dataset.subjects:
        raise GaitDataError(
            f"subject {test_subject!r} not in the dataset; it has {sorted(dataset.subjects)}"
        )
    if is_unknown(test_subject):
        raise GaitDataError("'unknown' mixes several subjects and cannot be a test subject")
    test = dataset.trials_of(test_subject)
    train, dropped = [], []
    for t in dataset.trials:
        if t.subject == test_subject:
            continue
        if dataset.may_be(t, test_subject):
            dropped.append(t.trial_id)
            continue
        train.append(t)
    return Split(f"loso-{test_subject}", train, test, dropped, test_subject)


def leave_subjects_out(dataset: Dataset, subjects, name: str) -> Split:
    """Several test subjects at once (one fold of subject folds); like leave-one-subject-out,
    `unknown` trials only train, and those that may be a test subject are dropped."""
    missing = [s for s in subjects if s not in dataset.subjects]
    if missing:
        raise GaitDataError(f"subject(s) {missing} not in the dataset")
    test_set = set(subjects)
    train, test, dropped = [], [], []
    for t in dataset.trials:
        if t.subject in test_set:
            test.append(t)
        elif any(dataset.may_be(t, s) for s in subjects):
            dropped.append(t.trial_id)
        else:
            train.append(t)
    return Split(name, train, test, dropped, ",".join(subjects))


def subject_folds(dataset: Dataset, k: int | None) -> list[list[str]]:
    """Known subjects dealt into `k` folds (None: one per subject), lab by lab in sorted
    order, so every fold holds some of each lab; depends on the names only."""
    known = sorted(s for s in dataset.subjects if not is_unknown(s))
    units = _person_groups(dataset, known)  # subjects that may be one person fold together
    k = len(units) if k is None else min(k, len(units))
    if k < 2:
        grouped = [u for u in units if len(u) > 1]
        note = (
            f" ({' and '.join(grouped[0])} may be one person: its lab says so)" if grouped else ""
        )
        raise NotApplicableError(
            f"subject folds need two or more known people; {dataset.name} has {known}{note}"
        )
    folds: list[list[str]] = [[] for _ in range(k)]
    for i, unit in enumerate(units):
        folds[i % k] += unit
    return folds


def _person_groups(dataset: Dataset, subjects: list[str]) -> list[list[str]]:
    """`subjects` (sorted) as units of possibly one person: a lab's `same_person` groups
    together, in the place of their first member, every other subject alone."""
    units: list[list[str]] = []
    for s in subjects:
        first = dataset.trials_of(s)[0]
        unit = next((u for u in units if dataset.may_be(first, u[0])), None)
        (unit.append(s) if unit is not None else units.append([s]))
    return units


def leave_one_lab_out(dataset: Dataset, lab: str) -> Split:
    """Train on every other lab; test on every known subject of `lab` (its `unknown` trials
    are neither trained on nor tested)."""
    labs = dataset.labs
    if lab not in labs:
        raise GaitDataError(f"lab {lab!r} not in the corpus; it has {labs}")
    if len(labs) < 2:
        raise GaitDataError("leave-one-lab-out needs a corpus of two or more labs (--data twice)")
    train, test, dropped = [], [], []
    for t in dataset.trials:
        if t.meta.get("lab", dataset.name) != lab:
            train.append(t)
        elif is_unknown(t.subject):
            dropped.append(t.trial_id)
        else:
            test.append(t)
    if not test:
        raise GaitDataError(f"lab {lab!r} has no trial of a known subject to test")
    return Split(f"lolo-{lab}", train, test, dropped, test_lab=lab)


def within_subject(dataset: Dataset, test_fraction: float = 0.25) -> Split:
    """For each known subject, its first recordings (in time) train and its last test.

    Trials are in recording order as listed; a subject with one trial is split in time
    inside that trial. `unknown` trials only train.
    """
    train, test = [], []
    for subject in dataset.subjects:
        trials = dataset.trials_of(subject)
        if is_unknown(subject):
            train += trials
            continue
        total = sum(t.n_frames for t in trials)
        cut = (1 - test_fraction) * total
        seen = 0
        for t in trials:
            if seen + t.n_frames <= cut:
                train.append(t)
            elif seen >= cut:
                test.append(t)
            else:
                k = int(cut - seen)
                train.append(t.slice_frames(0, k))
                test.append(t.slice_frames(k, t.n_frames))
            seen += t.n_frames
    return Split("within-subject", train, test)


def by_files(dataset: Dataset, train_ids, test_ids) -> Split:
    ids = {t.trial_id: t for t in dataset.trials}
    unknown = [i for i in list(train_ids) + list(test_ids) if i not in ids]
    if unknown:
        raise GaitDataError(f"trials not in the dataset: {unknown[:5]}")
    overlap = set(train_ids) & set(test_ids)
    if overlap:
        raise GaitDataError(f"trials in both train and test: {sorted(overlap)[:5]}")
    return Split("files", [ids[i] for i in train_ids], [ids[i] for i in test_ids])


def carve_validation(
    train: list[Trial], fraction: float = 0.15, seed: int = 0, min_s: float = 0.0
) -> tuple[list[Trial], list[Trial]]:
    """Whole trials (about `fraction` of the frames) moved from training to validation.

    With a single training trial (a small lab's subject), its last `fraction` of time (at
    least `min_s`, one window plus horizon) validates instead, its earlier part trains."""
    if len(train) == 1:
        t = train[0]
        val_s = max(fraction * t.duration_s, min_s)
        if t.duration_s - val_s < min_s:
            raise GaitDataError(
                f"too little training data: one trial ({t.trial_id}, {t.duration_s:.2f} s) "
                f"cannot give both training and validation windows of {min_s:.2f} s"
            )
        cut = t.duration_s - val_s
        return [t.slice_s(0, cut)], [t.slice_s(cut)]
    if len(train) < 2:
        raise GaitDataError("no training trials left to carve a validation set from")
    order = np.random.default_rng(seed).permutation(len(train))
    total, val_idx, seen = sum(t.n_frames for t in train), set(), 0
    for i in order:
        if seen >= fraction * total:
            break
        val_idx.add(int(i))
        seen += train[i].n_frames
    return (
        [t for i, t in enumerate(train) if i not in val_idx],
        [t for i, t in enumerate(train) if i in val_idx],
    )
