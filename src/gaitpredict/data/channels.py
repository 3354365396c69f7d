"""Channel catalog: canonical joint-angle names, sign conventions, joint groups and input sets.

Every angle is in degrees, per side `l_` / `r_`, relative to the parent segment:

| channel          | positive means                                                   |
|------------------|------------------------------------------------------------------|
| `*_hip_flex`     | hip flexion (thigh forward)                                      |
| `*_hip_abd`      | hip abduction (thigh away from the midline)                      |
| `*_hip_rot`      | internal rotation about the thigh's long axis                     |
| `*_knee_flex`    | knee flexion (0 = straight)                                      |
| `*_ankle_flex`   | ankle dorsiflexion (toes up); plantarflexion is negative          |
| `*_ankle_rot`    | ankle's second degree of freedom: foot rotation, toe-in positive  |
| `*_shoulder_flex`| shoulder flexion (arm forward)                                   |
| `*_shoulder_abd` | shoulder abduction (arm away from the body; 0 = hanging)          |
| `*_shoulder_rot` | internal rotation about the upper arm's long axis                 |
| `*_elbow_flex`   | elbow flexion (0 = straight)                                      |

Because both sides use anatomical (mirror-symmetric) signs, mirroring a trial left/right only
swaps the `l_`/`r_` channels: no sign changes (`MIRROR_SIGN` is 1 for every side channel).
"""

from __future__ import annotations

from ..errors import ChannelError

SIDES = ("l", "r")
JOINT_DOFS: dict[str, tuple[str, ...]] = {
    "shoulder": ("flex", "abd", "rot"),
    "elbow": ("flex",),
    "hip": ("flex", "abd", "rot"),
    "knee": ("flex",),
    "ankle": ("flex", "rot"),
}
UPPER_JOINTS = ("shoulder", "elbow")
LOWER_JOINTS = ("hip", "knee", "ankle")


def joint_channels(side: str, joint: str) -> list[str]:
    """All catalog channels of one joint on one side, e.g. ('r', 'hip') -> r_hip_flex, ..."""
    return [f"{side}_{joint}_{dof}" for dof in JOINT_DOFS[joint]]


CHANNELS: tuple[str, ...] = tuple(
    ch for joint in JOINT_DOFS for side in SIDES for ch in joint_channels(side, joint)
)
MIRROR_SIGN: dict[str, float] = {ch: 1.0 for ch in CHANNELS}


def mirror_name(channel: str) -> str:
    """The channel's counterpart on the other side (midline channels map to themselves)."""
    if channel.startswith("l_"):
        return "r_" + channel[2:]
    if channel.startswith("r_"):
        return "l_" + channel[2:]
    return channel


def _joints(sides, joints) -> list[str]:
    return [ch for j in joints for s in sides for ch in joint_channels(s, j)]


# The paper's synergy input sets (Table I) and its "one partner joint" pairs (Table II).
INPUT_SETS: dict[str, list[str]] = {
    "right-leg": _joints(["r"], LOWER_JOINTS),
    "legs": _joints(SIDES, LOWER_JOINTS),
    "arms+legs": _joints(SIDES, UPPER_JOINTS + LOWER_JOINTS),
    # what every shared lab records: OpenSim models have no ankle rotation (their subtalar
    # angle is inversion), and an exoskeleton's encoders give only the sagittal angles
    "arms+legs-shared": [
        c for c in _joints(SIDES, UPPER_JOINTS + LOWER_JOINTS) if not c.endswith("ankle_rot")
    ],
    "legs-shared": [c for c in _joints(SIDES, LOWER_JOINTS) if not c.endswith("ankle_rot")],
    "legs-sagittal": [f"{s}_{j}_flex" for j in LOWER_JOINTS for s in SIDES],
    "knee+ankle": joint_channels("r", "knee") + joint_channels("r", "ankle"),
    "knee+hip": joint_channels("r", "knee") + joint_channels("r", "hip"),
    "knee+opposite-knee": joint_channels("r", "knee") + joint_channels("l", "knee"),
}


def resolve_channels(spec: str | list[str] | tuple[str, ...]) -> list[str]:
    """Turn an input-set name, a comma list of channels/joints, or a list into catalog channels.

    A joint name such as `r_hip` expands to all of its degrees of freedom; order is kept and
    duplicates are dropped.
    """
    if isinstance(spec, str):
        if spec in INPUT_SETS:
            return list(INPUT_SETS[spec])
        items = [s.strip() for s in spec.split(",") if s.strip()]
    else:
        items = list(spec)
    if not items:
        raise ChannelError(f"empty channel specification {spec!r}")
    out: list[str] = []
    for item in items:
        if item in INPUT_SETS:
            expanded = INPUT_SETS[item]
        elif item in CHANNELS:
            expanded = [item]
        elif item[:2] in ("l_", "r_") and item[2:] in JOINT_DOFS:
            expanded = joint_channels(item[0], item[2:])
        else:
            raise ChannelError(
                f"unknown channel or joint {item!r}; expected an input set "
                f"({', '.join(INPUT_SETS)}), a joint such as 'r_knee', or one of: "
                f"{', '.join(CHANNELS)}"
            )
        out.extend(ch for ch in expanded if ch not in out)
    return out
