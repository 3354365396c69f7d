"""Fitting a trained network to its wearer: offline calibration on a short walk
(`offline`, the train extra) and online adaptation while streaming (`online`), both built
on the network's last hidden features (`models.features`)."""

from ..lazy import exports

# public name -> the module that defines it (imported on first use: the runtime imports this
# package without torch, which only some of these modules need)
_EXPORTS = {
    "MODES": ".offline",
    "calibrate": ".offline",
    "first_seconds": ".offline",
    "AdaptConfig": ".online",
    "OnlineAdapter": ".online",
}
__all__ = sorted(_EXPORTS)

__getattr__ = exports(__name__, _EXPORTS)
