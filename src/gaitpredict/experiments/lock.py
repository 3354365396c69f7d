"""One `reproduce` at a time per output folder: a lock file that names its holder.

`<out>/.lock` is created atomically (O_EXCL) and holds the pid, host and command. A second
command sees it and stops at once with a `RunError` naming the holder. A lock whose process
is gone (killed, crashed; same host) is taken over with a warning; a lock from another host
cannot be checked and is respected (delete it by hand if that run is dead).
"""

from __future__ import annotations

import json
import logging
import os
import platform
import sys
from contextlib import contextmanager
from pathlib import Path

from ..errors import RunError

LOCK = ".lock"
log = logging.getLogger(__name__)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _holder(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


@contextmanager
def folder_lock(out, command: str | None = None):
    """Hold `<out>/.lock` for the duration; refuse at once if a live process holds it."""
    out = Path(out)
    path = out / LOCK
    me = {"pid": os.getpid(), "host": platform.node(), "command": command or " ".join(sys.argv)}
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            held = _holder(path)
            pid, host = held.get("pid"), held.get("host")
            if isinstance(pid, int) and host == me["host"] and not _alive(pid):
                log.warning("%s: taking over the lock of process %s, which is gone", out, pid)
                print(f"gaitpredict: {out}: taking over a stale lock (pid {pid} is gone)",
                      file=sys.stderr)  # fmt: skip
                path.unlink(missing_ok=True)
                continue
            raise RunError(
                f"{out} is in use by process {pid} on {host} ({held.get('command', '?')}); "
                f"wait for it to finish, or use another --out (if that process is dead, "
                f"delete {path})"
            ) from None
        with os.fdopen(fd, "w") as fh:
            json.dump(me, fh)
        break
    try:
        yield
    finally:
        if _holder(path).get("pid") == me["pid"]:
            path.unlink(missing_ok=True)
