"""Subject names: `lab/S` in a corpus, `S` in one dataset. Every rule about who a subject is
(`unknown` pools several walkers; a lab's groups of subjects that may be one person) compares
the bare name through these helpers, so a rule holds in a corpus as in a single lab."""

from __future__ import annotations

SEPARATOR = "/"
UNKNOWN = "unknown"


def split_subject(subject: str) -> tuple[str | None, str]:
    """`lab/S` -> (lab, S); a subject of a single dataset -> (None, S)."""
    lab, sep, bare = subject.rpartition(SEPARATOR)
    return (lab if sep else None), bare


def subject_lab(subject: str) -> str | None:
    """`lab/S` -> lab; a subject of a single dataset -> None."""
    return split_subject(subject)[0]


def bare_subject(subject: str) -> str:
    return split_subject(subject)[1]


def is_unknown(subject: str) -> bool:
    """Trials of several unnamed walkers: they train, never test, never form a fold."""
    return bare_subject(subject) == UNKNOWN
