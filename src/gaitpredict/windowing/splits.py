"""Train/test splits made BEFORE windowing: by subject, by time within subject, or by file.

Leave-one-subject-out keeps every frame of the test subject out of training and validation,
and follows the data READMEs: `unknown` trials train only, those that may be S35 are dropped
when S35 is tested, and subjects a lab says may be one person (Qualisys P001/P004) are kept
on one side (`Dataset.may_be`). Subject names are compared bare (`data.subjects`), in a
corpus (`lab/S`) as in one lab. Validation is carved from training as whole trials.

The one list of splits is `register_split` at the end of this file: grid expansion, the
runner's dispatch and cost order, `gaitpredict train --split`, refusals and report labels all
read it, so a new split is one function and one entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from ..data.corpus import resolve_subject
from ..data.datasets import Dataset
from ..data.subjects import is_unknown
from ..data.trial import Trial
from ..errors import ConfigError, GaitDataError, NotApplicableError


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
    if lab not in dataset.labs:
        raise GaitDataError(f"lab {lab!r} not in the corpus; it has {dataset.labs}")
    if len(dataset.labs) < 2:
        raise GaitDataError("leave-one-lab-out needs a corpus of two or more labs (--data twice)")
    split = leave_labs_out(dataset, [lab])
    return replace(split, name=f"lolo-{lab}", test_lab=lab)


def leave_labs_out(dataset: Dataset, labs) -> Split:
    """Train on the labs not in `labs`; test on every known subject of each of `labs`.
    Two labs out are the inner folds of a nested leave-one-lab-out: the run that leaves
    labs A and B out scores B for the outer fold that leaves A out, and A for B's."""
    known = dataset.labs
    unknown = sorted(set(labs) - set(known))
    if unknown:
        raise GaitDataError(f"lab(s) {unknown} not in the corpus; it has {known}")
    if len(set(labs)) >= len(known):
        raise GaitDataError(f"leaving out {sorted(set(labs))} leaves no lab of {known} to train")
    train, test, dropped = [], [], []
    for t in dataset.trials:
        if t.meta.get("lab", dataset.name) not in labs:
            train.append(t)
        elif is_unknown(t.subject):
            dropped.append(t.trial_id)
        else:
            test.append(t)
    for lab in labs:
        if not any(t.meta.get("lab", dataset.name) == lab for t in test):
            raise GaitDataError(f"lab {lab!r} has no trial of a known subject to test")
    return Split("labs-out-" + "+".join(labs), train, test, dropped)


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


# --- the one list of splits ---------------------------------------------------------------

RANDOM_TEST_FRACTION = 0.2


@dataclass(frozen=True)
class SplitInfo:
    """A registered split and what callers need to know of it, declared once.

    `make(dataset, run)` gives the `Split` of trials for a run config (`run`: any object with
    the run config's fields); a split `by_windows` instead gives
    `make(dataset, spec, run) -> (split, fit, validation, test)` windows; a split that
    trains `several` models (subject folds) has no `make`: the experiment runs its folds.
    """

    name: str
    label: str  # a table column or row: "leave one subject out"
    description: str  # a sentence part: "leave-one-subject-out"
    make: Callable | None = None
    needs: str | None = None  # the run config field that names its test set
    leaky: bool = False  # test windows' neighbours train: not a result for a new person
    needs_corpus: bool = False  # in a grid: needs `datasets:` (several labs)
    per_lab: bool = False  # in a grid with `datasets:`, one run per lab
    per_lab_as: str | None = None  # ... and inside each lab this split is run instead
    fold_field: str | None = None  # in a grid, the folds fill this field (test subject/lab)
    folds_k: bool = False  # in a grid, takes the block's `folds_k`
    in_grids: bool = True  # may be named by a grid block
    by_windows: bool = False
    several: bool = False  # one model per fold of subjects (`experiments.folds`)
    cost: str = "one"  # "several" models (`several` implies it), "long" (trains to the epoch
    # cap) or "one"

    def __post_init__(self):
        if self.several:
            object.__setattr__(self, "cost", "several")

    @property
    def option(self) -> str | None:
        """The command-line option that gives `needs` (`test_lab` -> `--test-lab`)."""
        return "--" + self.needs.replace("_", "-") if self.needs else None

    def split(self, dataset: Dataset, run) -> Split:
        if self.needs and not getattr(run, self.needs):
            raise ConfigError(
                f"the {self.name} split ({self.description}) needs {self.needs}"
                + (f" ({self.option})" if self.option else "")
            )
        if self.make is None or self.by_windows:
            raise ConfigError(f"the {self.name} split is not made from a list of trials")
        return self.make(dataset, run)


_SPLITS: dict[str, SplitInfo] = {}


def register_split(name: str, make: Callable | None = None, **declared) -> SplitInfo:
    """Add a split to the one list (see `SplitInfo` for what may be declared)."""
    info = SplitInfo(name=name, make=make, **declared)
    _SPLITS[name] = info
    return info


def unregister_split(name: str) -> None:
    _SPLITS.pop(name, None)


def list_splits(in_grids: bool | None = None) -> list[str]:
    """Registered split names in registration order (only those grids may name, or not)."""
    return [n for n, i in _SPLITS.items() if in_grids is None or i.in_grids == in_grids]


def split_info(name: str) -> SplitInfo:
    if name not in _SPLITS:
        raise ConfigError(f"unknown split {name!r}; expected one of {', '.join(_SPLITS)}")
    return _SPLITS[name]


def random_windows(dataset: Dataset, spec, run):
    """The paper's likely protocol, LEAKY by construction: every window of every subject
    shuffled into train / validation / test, so overlapping neighbours of a test window
    (sharing all but one of its frames) train the model."""
    from .windows import Windows

    if run.train.mirror:
        raise ConfigError("--mirror is not offered with the random-windows split")
    if run.train.cadence_warp:
        raise ConfigError("--cadence-warp is not offered with the random-windows split")
    every = Windows(dataset.trials, spec)
    order = np.random.default_rng(run.train.seed).permutation(len(every))
    n_test = round(len(every) * RANDOM_TEST_FRACTION)
    n_val = round((len(every) - n_test) * run.train.val_fraction)
    parts = np.sort(order[:n_test]), np.sort(order[n_test : n_test + n_val])
    split = Split("random-windows (LEAKY)", dataset.trials, dataset.trials)
    fit = np.sort(order[n_test + n_val :])
    return split, every.subset(fit), every.subset(parts[1]), every.subset(parts[0])


def _files(dataset: Dataset, run) -> Split:
    test = set(run.test_files)
    return by_files(dataset, [t.trial_id for t in dataset.trials if t.trial_id not in test],
                    run.test_files)  # fmt: skip


register_split(
    "loso",
    lambda d, run: leave_one_subject_out(d, resolve_subject(d, run.test_subject)),
    label="leave one subject out",
    description="leave-one-subject-out",
    needs="test_subject",
    fold_field="test_subject",
    per_lab=True,
    per_lab_as="subject-folds",  # in a corpus: subject folds inside each lab
)
register_split(
    "subject-folds",
    label="subject folds",
    description="subject folds (one model per fold of subjects)",
    needs_corpus=True,
    folds_k=True,
    several=True,
)
register_split(
    "lolo",
    lambda d, run: leave_one_lab_out(d, run.test_lab),
    label="leave the lab out",
    description="leave-one-lab-out",
    needs="test_lab",
    needs_corpus=True,
    fold_field="test_lab",
    cost="several",
)
register_split(
    "lab-pairs",
    lambda d, run: leave_labs_out(d, run.test_labs or []),
    label="two labs left out",
    description="leave-two-labs-out (each pair of labs in turn: nested leave-one-lab-out)",
    needs="test_labs",
    needs_corpus=True,
    fold_field="test_labs",
    cost="several",
)
register_split(
    "within-subject",
    lambda d, run: within_subject(d),
    label="within subject, chronological",
    description="within-subject (each subject's first recordings train, its last test)",
    per_lab=True,
)
register_split(
    "random-windows",
    random_windows,
    label="random windows (LEAKY)",
    description="random-windows split, LEAKY: overlapping windows of one walk train and test",
    leaky=True,
    per_lab=True,
    by_windows=True,
    cost="long",
)
register_split(
    "subjects",
    lambda d, run: leave_subjects_out(d, run.test_subjects or [], "subjects"),
    label="these subjects left out",
    description="these subjects left out",
    needs="test_subjects",
    in_grids=False,
)
register_split(
    "files",
    _files,
    label="these recordings test",
    description="by file (a subject may be on both sides: not a cross-subject result)",
    needs="test_files",
    in_grids=False,
)
register_split(
    "all",
    lambda d, run: Split("all (no test set)", list(d.trials), []),
    label="every subject trains (no test)",
    description="all subjects train, nothing is tested (a model to ship)",
    in_grids=False,
)
