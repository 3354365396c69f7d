"""Datasets: find, download (verified, atomically) and load collections of trials by subject.

`load_dataset("cmu-walking")` looks for the files, in order, in the explicit `data_dir`, in
`$GAITPREDICT_DATA` (the set itself or a `cmu_walking/` folder inside it), and in the user
cache; if they are in none, it downloads them into the cache from their public source.
`load_dataset(folder)` loads a user's own recordings (one folder per subject, or a
`subjects.csv` with columns file,subject).
"""

from __future__ import annotations

import csv
import hashlib
import os
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from tqdm import tqdm

from ..atomic import write_bytes
from ..errors import ChannelError, ChecksumError, DatasetNotFoundError, GaitDataError
from .channels import CHANNELS
from .io import EXTENSIONS, read_trial, recordings_in
from .labs import lab_of, may_be_same_person
from .plausibility import gap_report
from .subjects import UNKNOWN, bare_subject, is_unknown, split_subject
from .trial import Trial

ENV_DATA = "GAITPREDICT_DATA"
ENV_URL = "GAITPREDICT_DATA_URL"
CMU_NAME = "cmu-walking"
CMU_FOLDER = "cmu_walking"
CMU_SOURCE = (
    "https://raw.githubusercontent.com/chaneyddtt/"
    "Convolutional-Sequence-to-Sequence-Model-for-Human-Dynamics/"
    "f27ccb4ed5b0568cde2b7cf096dd2683c901b4d8/data/cmu_mocap"
)
# Data README: `unknown` trials with this mean pelvis height may be S35.
S35_LOOKALIKE_HEIGHT = (17.8, 18.2)
CROSS_SUBJECT_TEST_SUBJECTS = ("S35", "S39", "S16", "S08")


@dataclass
class Dataset:
    """Trials with their subjects. Trials may differ in rate: `rate_hz` is the rate that
    holds the most frames (the default model rate), `rates` lists them all."""

    name: str
    trials: list[Trial]
    root: Path | None = None
    notes: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why), skip_bad=True

    def __post_init__(self):
        if not self.trials:
            raise DatasetNotFoundError(f"dataset {self.name!r} holds no trials")

    @property
    def rates(self) -> dict[float, int]:
        """Rate (Hz) -> frames recorded at it, most frames first."""
        frames = Counter()
        for t in self.trials:
            frames[t.rate_hz] += t.n_frames
        return dict(frames.most_common())

    @property
    def rate_hz(self) -> float:
        return next(iter(self.rates))

    @property
    def labs(self) -> list[str]:
        return list(dict.fromkeys(t.meta.get("lab", self.name) for t in self.trials))

    def with_channels(self, channels) -> tuple[Dataset, list[tuple[str, list[str]]]]:
        """The trials that hold every channel in `channels`, and (trial, missing) for the rest."""
        keep, left_out = [], []
        for t in self.trials:
            missing = [c for c in channels if c not in t.channels]
            (left_out.append((t.trial_id, missing)) if missing else keep.append(t))
        if not keep:
            raise ChannelError(
                f"no trial of {self.name!r} holds all of {list(channels)}; e.g. "
                f"{left_out[0][0]} lacks {left_out[0][1]}"
            )
        return replace(self, trials=keep), left_out

    @property
    def subjects(self) -> dict[str, int]:
        """Subject -> number of trials, most trials first."""
        return dict(Counter(t.subject for t in self.trials).most_common())

    def trials_of(self, subject: str) -> list[Trial]:
        return [t for t in self.trials if t.subject == subject]

    def summary(self) -> dict:
        """Subjects, trials, frames, seconds, rate and the channels every trial has."""
        channels = [c for c in CHANNELS if all(c in t.channels for t in self.trials)]
        reports = [(t.trial_id, gap_report(t)) for t in self.trials]
        return {
            "name": self.name,
            "root": str(self.root) if self.root else None,
            "trials": len(self.trials),
            "frames": sum(t.n_frames for t in self.trials),
            "seconds": round(sum(t.duration_s for t in self.trials), 2),
            "rate_hz": self.rate_hz,
            "rates_hz": {f"{r:g}": n for r, n in self.rates.items()},
            "labs": self.labs,
            "subjects": self.subjects,
            "missing_samples": sum(r["missing_samples"] for _, r in reports),
            "glitch_frames": {tid: r["glitches"] for tid, r in reports if r["glitches"]},
            "skipped_files": [{"file": f, "why": why} for f, why in self.skipped],
            "channels": channels,
        }

    def may_be(self, trial: Trial, subject: str) -> bool:
        """True if a trial of another subject might be `subject`: an `unknown` CMU trial
        that may be S35 (the data README's rule), or a subject its lab declares may be the
        same person (`labs.Lab.same_person`). Names are compared bare (`data.subjects`)."""
        lab = trial.meta.get("lab", self.name)
        theirs, wanted = bare_subject(trial.subject), bare_subject(subject)
        subject_lab = split_subject(subject)[0] or self.name
        if subject_lab == lab and may_be_same_person(lab, theirs, wanted):
            return True
        if lab not in (CMU_NAME, CMU_FOLDER) or not is_unknown(trial.subject):
            return False
        if wanted != "S35":
            return False
        lo, hi = S35_LOOKALIKE_HEIGHT
        return lo <= trial.meta.get("pelvis_height", float("nan")) <= hi


def _manifest() -> list[dict]:
    text = resources.files("gaitpredict").joinpath("data/cmu_walking.csv").read_text()
    return list(csv.DictReader(text.splitlines()))


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _complete(folder: Path, manifest) -> bool:
    return all((folder / row["file"]).is_file() for row in manifest)


def _candidates(data_dir) -> list[Path]:
    if data_dir is not None:
        return [Path(data_dir)]
    if os.environ.get(ENV_DATA):
        env = Path(os.environ[ENV_DATA])
        return [env, env / CMU_FOLDER]
    return []


def cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("gaitpredict")) / CMU_FOLDER


def find_cmu_walking(data_dir=None, download: bool = True) -> Path:
    """The folder holding all 64 CMU walking files, downloading them if needed."""
    manifest = _manifest()
    for folder in _candidates(data_dir):
        if _complete(folder, manifest):
            return folder
    if data_dir is not None:
        missing = [r["file"] for r in manifest if not (Path(data_dir) / r["file"]).is_file()]
        raise DatasetNotFoundError(
            f"{data_dir}: not the CMU walking set; {len(missing)} of {len(manifest)} files "
            f"missing (first: {missing[0]})"
        )
    cache = cache_dir()
    if _complete(cache, manifest):
        return cache
    if not download:
        raise DatasetNotFoundError(f"CMU walking set not found; set ${ENV_DATA} or pass data_dir")
    download_cmu_walking(cache, manifest)
    return cache


def download_cmu_walking(dest: Path, manifest=None, base_url: str | None = None) -> None:
    """Fetch every manifest file into `dest`, verifying sha256; never leaves a half file."""
    manifest = manifest or _manifest()
    base_url = base_url or os.environ.get(ENV_URL) or CMU_SOURCE
    todo = [r for r in manifest if not (dest / r["file"]).is_file()]
    for row in tqdm(todo, desc="downloading CMU walking", unit="file", disable=not todo):
        target = dest / row["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        url = f"{base_url.rstrip('/')}/{row['file']}"
        try:
            with urllib.request.urlopen(url, timeout=60) as resp:
                payload = resp.read()
        except (urllib.error.URLError, OSError) as exc:
            raise DatasetNotFoundError(
                f"could not download {url} ({exc}); you seem to be offline. Put the CMU walking "
                f"files in a folder and point ${ENV_DATA} at it, or pass --data DIR"
            ) from None
        actual = hashlib.sha256(payload).hexdigest()
        if actual != row["sha256"]:
            raise ChecksumError(
                f"{url}: sha256 {actual}, expected {row['sha256']} (the file was not saved)"
            )
        write_bytes(target, payload)


def load_cmu_walking(data_dir=None, verify: bool = True, glitches: str = "keep") -> Dataset:
    folder = find_cmu_walking(data_dir)
    trials = []
    for row in _manifest():
        path = folder / row["file"]
        if verify and sha256_of(path) != row["sha256"]:
            raise ChecksumError(f"{path}: sha256 {sha256_of(path)}, expected {row['sha256']}")
        trial_id = row["file"].removesuffix(".txt")
        trials.append(
            read_trial(
                path, format="cmu", glitches=glitches, subject=row["subject"], trial_id=trial_id
            )
        )
    return Dataset(CMU_NAME, trials, root=folder)


def load_folder(
    folder, subjects_csv: str = "subjects.csv", skip_bad: bool = False, **read_options
) -> Dataset:
    """A user's recordings: subjects from `subjects.csv` (file,subject) or the first folder.

    A file that cannot be read stops the load with its error, which names it; with
    `skip_bad=True` it is left out and listed in `Dataset.skipped` (and `data info`)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetNotFoundError(f"{folder}: no such folder")
    table = _subjects_table(folder / subjects_csv) if (folder / subjects_csv).is_file() else {}
    paths = [p for p in recordings_in(folder) if p.name != subjects_csv]
    if not paths:
        raise DatasetNotFoundError(f"{folder}: no recordings with extensions {sorted(EXTENSIONS)}")
    lab = lab_of(folder)
    trials, skipped = [], []
    for p in paths:
        rel = p.relative_to(folder).as_posix()
        if table:
            if rel not in table:
                continue
            subject = table[rel]
        elif lab and rel in lab.subjects:
            subject = lab.subjects[rel]
        else:
            subject = rel.split("/")[0] if "/" in rel else UNKNOWN
        try:
            trial = read_trial(p, **read_options)
        except GaitDataError as exc:
            if not skip_bad:
                raise
            skipped.append((rel, str(exc)))
            continue
        if lab and rel in lab.drop:
            trial = trial.select([c for c in trial.channels if c not in lab.drop[rel]])
        trials.append(replace(trial, subject=subject, trial_id=rel))
    if not trials and skipped:
        raise DatasetNotFoundError(
            f"{folder}: every recording was skipped as unreadable (first: {skipped[0][1]})"
        )
    return Dataset(folder.name, trials, root=folder, skipped=skipped)


def _subjects_table(path: Path) -> dict[str, str]:
    """`file,subject` rows; a missing column, a duplicate or a file that is not there is an
    error naming the line."""
    table = {}
    with open(path, newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            if not row.get("file") or not row.get("subject"):
                raise GaitDataError(f"{path}, line {i}: expected columns file,subject")
            if row["file"] in table:
                raise GaitDataError(f"{path}, line {i}: {row['file']!r} is listed twice")
            if not (path.parent / row["file"]).is_file():
                raise DatasetNotFoundError(
                    f"{path}, line {i}: {row['file']!r} is not a file in {path.parent}"
                )
            table[row["file"]] = row["subject"]
    return table


def load_dataset(name_or_path=CMU_NAME, data_dir=None, **options) -> Dataset:
    """Load a named dataset ('cmu-walking') or a folder of recordings.

    A folder that holds the CMU walking files is recognised as the CMU set, so that
    `--data ../shared/data/cmu_walking` gets its subjects from the manifest.
    """
    if name_or_path == CMU_NAME:
        return load_cmu_walking(data_dir, glitches=options.get("glitches", "keep"))
    folder = Path(name_or_path)
    if not folder.is_dir():
        raise DatasetNotFoundError(
            f"{folder}: no such folder (and not a named dataset: {CMU_NAME})"
        )
    if _complete(folder, _manifest()):
        return load_cmu_walking(folder, glitches=options.get("glitches", "keep"))
    return load_folder(folder, **options)
