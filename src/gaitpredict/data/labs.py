"""What we know about each shared dataset (one lab each) beyond its files: licence and
required acknowledgement, subjects the folder layout does not name, channels its README says
are broken, and sets that duplicate another.

Facts come from each set's README in `shared/data/<name>/`; they apply only to a folder of
that name that holds a `MANIFEST.csv` (a user's own folder called `mcgill_walking` without one
is read as it is).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Lab:
    name: str  # the shared folder's name, also the lab part of `lab/subject`
    system: str
    licence: str
    acknowledgement: str
    subjects: dict[str, str] = field(default_factory=dict)  # file -> subject, where no folder
    drop: dict[str, tuple[str, ...]] = field(default_factory=dict)  # file -> broken channels
    duplicate_of: str | None = None  # holds recordings of that set: never combine the two
    # subjects that may be one person: every split keeps a group on one side
    same_person: tuple[tuple[str, ...], ...] = ()
    caveats: tuple[str, ...] = ()


LABS: dict[str, Lab] = {
    lab.name: lab
    for lab in (
        Lab(
            "cmu_walking",
            "CMU Graphics Lab, Vicon, 120 Hz (exp-map angles)",
            "CMU Graphics Lab Motion Capture Database (any use); copy from "
            "chaneyddtt/Convolutional-Sequence-to-Sequence-Model-for-Human-Dynamics (MIT)",
            "The data used in this project was obtained from mocap.cs.cmu.edu. The database "
            "was created with funding from NSF EIA-0196217.",
            caveats=("18 'unknown' trials (several walkers) train only; some may be S35",),
        ),
        Lab(
            "mcgill_walking",
            "McGill MOTION Lab, Vicon Plug-in Gait, 100 Hz",
            "MIT, Copyright (c) 2025 McGill MOTION Lab (mcgillmotionlab/biomechzoo)",
            "Data: McGill MOTION Lab, biomechzoo sample study (MIT licence).",
            caveats=("each subject has about 6 s: one straight walk and one with a turn",),
        ),
        Lab(
            "addbio_walking",
            "OpenSim IK (AddBiomechanics paper data), 100 Hz",
            "GPL v3.0 with the Stanford AddBiomechanics Data-Sharing Agreement",
            "Attribution to Stanford University and the AddBiomechanics software; cite Werling "
            "K. et al., PLOS ONE 2023.",
            caveats=(
                "Expert3 is treadmill walking; in several trials its arms hardly move",
                "Expert1 trials are single strides (1.3-1.5 s), too short for long windows",
                "Expert3's hip flexion rests within 1 deg of -29.9 deg for a third of its "
                "frames, in every stride (a bound of the IK model's coordinate, not motion): "
                "a gait phase taken from the hip stalls there",
            ),
        ),
        Lab(
            "qualisys_cgm2_walking",
            "Qualisys with pyCGM2 (Plug-in Gait-style), 100 Hz",
            "MIT, Copyright (c) 2019 Qualisys (qualisys/cgm2-web-report-uploader)",
            "Copyright (c) 2019 Qualisys (MIT licence).",
            drop={
                "P3400/Gait_CGM2_3.c3d": (
                    "l_ankle_flex",
                    "l_ankle_rot",
                    "r_ankle_flex",
                    "r_ankle_rot",
                )  # fmt: skip
            },
            same_person=(("P001", "P004"),),
            caveats=(
                "P3400's ankle angles are broken (foot model failed) and are left out",
                "P001 and P004 may be the same person: kept on one side of every split",
            ),
        ),
        Lab(
            "btk_pig_walking",
            "several Vicon labs, Plug-in Gait, 100 and 120 Hz",
            "BSD 3-clause, Copyright (c) 2009-2013 Arnaud Barre (Biomechanical-ToolKit/BTKData)",
            "The Biomechanical ToolKit, Copyright (c) 2009-2013, Arnaud Barre.",
            caveats=("five short passes from several labs, grouped here as one 'lab'",),
        ),
        Lab(
            "opencap_walking",
            "OpenCap (markerless, two phones) + OpenSim IK, 60 Hz",
            "MIT (mcgillmotionlab/biomechzoo)",
            "Cite Uhlrich et al. 2023, OpenCap, PLOS Computational Biology.",
            subjects={"opencap_walking1.csv": "walker1"},
            caveats=("one unnamed person; markerless, so noisier than marker-based sets",),
        ),
        Lab(
            "opencap_examples",
            "OpenCap / OpenSim IK, 60 and 100 Hz",
            "Apache 2.0 (stanfordnmbl/opencap-processing)",
            "Cite Uhlrich et al. 2023, OpenCap, PLOS Computational Biology.",
            drop={"sdu_benchmark/walk.mot": ("l_ankle_flex", "r_ankle_flex")},
            caveats=(
                "walk.mot's ankle reaches the model's limits (+-40 deg) and is left out; its "
                "shoulder coordinates are not flexion/abduction and are not read",
            ),
        ),
        Lab(
            "opensim_walking",
            "OpenSim example IK (Gait2392 and Rajagopal models), 60 and 100 Hz",
            "Apache 2.0, Copyright (c) 2005-2017 Stanford University and the Authors",
            "Cite Delp et al. 2007 (IEEE TBME), Seth et al. 2011 (Procedia IUTAM) and, for the "
            "full-body subject, Rajagopal et al. 2016 (IEEE TBME).",
        ),
        Lab(
            "cmu_bvh_sample",
            "CMU walk as cgspeed BVH",
            "CMU Graphics Lab Motion Capture Database (any use)",
            "The data used in this project was obtained from mocap.cs.cmu.edu. The database "
            "was created with funding from NSF EIA-0196217.",
            duplicate_of="cmu_walking",
        ),
    )
}


def lab_of(folder) -> Lab | None:
    """The facts for a shared dataset folder (name known and a MANIFEST.csv present)."""
    folder = Path(folder)
    lab = LABS.get(folder.name)
    return lab if lab is not None and (folder / "MANIFEST.csv").is_file() else None


def manifest_hashes(folder) -> dict[str, str]:
    """file -> sha256 from a shared dataset's MANIFEST.csv ({} when it has none)."""
    path = Path(folder) / "MANIFEST.csv"
    if not path.is_file():
        return {}
    with open(path, newline="") as fh:
        return {row["file"]: row["sha256"] for row in csv.DictReader(fh) if row.get("sha256")}


def may_be_same_person(lab: str | None, subject: str, other: str) -> bool:
    """True when `lab` declares the bare subjects `subject` and `other` may be one person."""
    entry = LABS.get(lab) if lab else None
    if entry is None or subject == other:
        return False
    return any(subject in group and other in group for group in entry.same_person)
