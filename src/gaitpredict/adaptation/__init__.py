"""Fitting a trained network to its wearer: offline calibration on a short walk
(`calibrate`) and online adaptation while streaming (`online`), both built on the network's
last hidden features (`features`)."""

from .calibrate import MODES, calibrate, first_seconds
from .online import AdaptConfig, OnlineAdapter

__all__ = ["MODES", "AdaptConfig", "OnlineAdapter", "calibrate", "first_seconds"]
