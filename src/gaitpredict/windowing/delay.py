"""When a prediction's truth arrives: the prediction made at model frame s is for frame
s + h (h: the horizon in frames), so frame s + h, when it is streamed, is its truth. Online
adaptation and online intervals both learn only from truths that have arrived, by this
clock."""

from __future__ import annotations


class TruthDelay:
    """Slots for the last h + 1 predictions, each waiting for its truth.

    For every new model frame: `arrived()` (the slot of the prediction this frame is the
    truth of, or None), then `wait(valid)` (the slot of the prediction made at it; an invalid
    one, say bridged, never arrives). `interrupt()` after a gap drops every waiting one."""

    def __init__(self, horizon_frames: int):
        self.h = int(horizon_frames)
        self._valid = [False] * (self.h + 1)
        self._step = 0

    def arrived(self) -> int | None:
        self._step += 1
        k = (self._step - self.h) % (self.h + 1)
        if not self._valid[k]:
            return None
        self._valid[k] = False
        return k

    def wait(self, valid: bool) -> int:
        k = self._step % (self.h + 1)
        self._valid[k] = valid
        return k

    def interrupt(self) -> None:
        self._valid = [False] * (self.h + 1)
        self._step = 0
