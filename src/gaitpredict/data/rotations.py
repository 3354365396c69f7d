"""Joint rotation matrices <-> catalog angles, one convention shared by every reader and writer.

Frames follow the CMU skeleton: x points to the subject's left, y up, z forward; a joint's
rotation M maps the child segment's rest direction (column vectors) into its parent's frame.
Rest poses: legs hanging vertically, feet pointing forward, arms horizontal (T-pose).

Hips, shoulders and ankles use intrinsic X-Y-Z Euler angles (a, b, c), M = Rx(a) Ry(b) Rz(c):
acting on the segment, Rz comes first (abduction of a hanging leg, lowering of a T-pose arm,
inversion of a forward foot), then Ry (rotation about the segment's long axis; for the
foot, about the vertical: toe-in/out) and Rx last (flexion about the parent's lateral axis).
The middle angle b stays far from +-90 degrees during walking, so the decomposition has no
wrap-around jumps there.
With side sign s = +1 left, -1 right:

- hip:      flex = -a, abd = s*c,        rot = -s*b (internal positive)
- shoulder: flex = -a, abd = 90 + s*c,   rot = -s*b (0 abduction = arm hanging)
- ankle:    flex = -a (dorsiflexion positive), rot = -s*b (toe-in positive); c is dropped
- knees and elbows are hinges: flexion = rotation angle |rotvec| (0 = straight).

The signs `s` make left and right mirror images, so mirroring only swaps channel names.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

SIDE_SIGN = {"l": 1.0, "r": -1.0}


def angles_from_matrices(joint: str, side: str, rot: Rotation) -> dict[str, np.ndarray]:
    """Catalog angles (degrees, keyed by dof) of one joint from its rotations over frames."""
    s = SIDE_SIGN[side]
    if joint in ("knee", "elbow"):
        return {"flex": np.degrees(np.linalg.norm(rot.as_rotvec(), axis=-1))}
    a, b, c = np.degrees(rot.as_euler("XYZ")).T
    if joint == "hip":
        return {"flex": -a, "abd": s * c, "rot": -s * b}
    if joint == "ankle":
        return {"flex": -a, "rot": -s * b}
    if joint == "shoulder":
        return {"flex": -a, "abd": 90.0 + s * c, "rot": -s * b}
    raise KeyError(joint)


def matrices_from_angles(joint: str, side: str, angles: dict[str, np.ndarray]) -> Rotation:
    """The inverse of `angles_from_matrices`: one rotation per frame from catalog angles.

    Hinges become rotations about the lateral x axis (knee flexing backward, elbow forward).
    """
    s = SIDE_SIGN[side]
    flex = np.asarray(angles["flex"], dtype=float)
    if joint in ("knee", "elbow"):
        sign = 1.0 if joint == "knee" else -1.0
        return Rotation.from_euler("X", sign * flex[:, None], degrees=True)
    zeros = np.zeros_like(flex)
    if joint == "hip":
        abc = (-flex, -s * np.asarray(angles["rot"]), s * np.asarray(angles["abd"]))
    elif joint == "ankle":
        abc = (-flex, -s * np.asarray(angles["rot"]), zeros)
    elif joint == "shoulder":
        abc = (-flex, -s * np.asarray(angles["rot"]), s * (np.asarray(angles["abd"]) - 90.0))
    else:
        raise KeyError(joint)
    return Rotation.from_euler("XYZ", np.stack(abc, axis=-1), degrees=True)
