"""Public names of a package imported on first use (PEP 562), so that importing the package
does not import what only some of its modules need (torch, in the runtime)."""

from __future__ import annotations

from importlib import import_module


def exports(package: str, names: dict[str, str]):
    """A module `__getattr__` for `package`: name -> the module (absolute, or relative to
    the package) that defines it."""

    def __getattr__(name):
        if name in names:
            return getattr(import_module(names[name], package), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
