"""Settings declared once: a dataclass field carries its default, help text and choices, and
everything else (command-line options, grid and recipe YAML, run ids, config.json) reads
them from there.

    max_epochs: int = setting(300, "most epochs to train")
    precision: str = setting("float32", "...", choices=PRECISIONS, legacy="float32")

`identity=False` marks a setting that does not change a run's result (threads, progress
bars): it is left out of run ids. `legacy=V` marks a setting added after run ids were first
issued: a run whose value is V (what every run had before the setting existed) leaves it out
of its id, so old run folders keep their ids. `cli=False` keeps a setting off the command
line.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import MISSING, Field

from .errors import ConfigError

NO_LEGACY = MISSING


def setting(
    default=MISSING,
    help: str = "",  # noqa: A002 - the argparse word
    *,
    choices: tuple | None = None,
    identity: bool = True,
    legacy=NO_LEGACY,
    cli: bool = True,
    factory=MISSING,
) -> Field:
    metadata = {"help": help, "choices": choices, "identity": identity, "cli": cli}
    if legacy is not NO_LEGACY:
        metadata["legacy"] = legacy
    if factory is not MISSING:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def default_of(f: Field):
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return MISSING


def field_type(cls, f: Field):
    """The field's type as a class (`int | None` -> int, `list[str]` -> list[str])."""
    hints = typing.get_type_hints(cls)
    hint = hints[f.name]
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return args[0] if len(args) == 1 else hint
    return hint


def check_choices(obj) -> None:
    """Refuse a value outside a field's declared choices (for `__post_init__`)."""
    for f in dataclasses.fields(obj):
        allowed = f.metadata.get("choices")
        value = getattr(obj, f.name)
        if allowed and value is not None and value not in allowed:
            raise ConfigError(f"{f.name} must be one of {'|'.join(allowed)}, got {value!r}")


def from_mapping(cls, d, source: str):
    """`cls(**d)` with unknown keys refused by name (`source: unknown key(s) ...`)."""
    if not isinstance(d, dict):
        raise ConfigError(f"{source}: expected a mapping of settings, got {d!r}")
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(d) - set(names))
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {unknown}; expected some of {names}")
    try:
        return cls(**d)
    except TypeError as exc:
        raise ConfigError(f"{source}: {exc}") from None


def identity_dict(obj) -> dict:
    """`asdict(obj)` less what does not identify a result: settings with `identity=False`,
    and settings still at their `legacy` value (see the module docstring). Nested dataclass
    fields are reduced the same way."""
    out = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if not f.metadata.get("identity", True):
            continue
        if "legacy" in f.metadata and value == f.metadata["legacy"]:
            continue
        out[f.name] = identity_dict(value) if dataclasses.is_dataclass(value) else value
    return out
