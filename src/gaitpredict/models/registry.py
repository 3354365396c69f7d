"""The one list of models: `register_model` records what each model is, declared, not guessed.

A model module in this folder registers its builder with a decorator; the package imports
every module here on first use, so a new network is one new file and nothing else: the CLI's
`--model` choices, grids, the report, export, streaming and the tests read `list_models()`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import asdict, dataclass

from ..errors import ConfigError

# network: trained by gradient descent; baseline: no training or a closed-form fit; online:
# learns its wearer frame by frame while it predicts, from no training data (`models.online`)
KINDS = ("network", "baseline", "online")
# how long a run of the model takes, slowest first (the runner starts long runs first)
COSTS = ("recurrent", "network", "lookup", "cheap")
# the paper's model: the default of a run, and the model a report's headline and a profile's
# claims are about unless a grid names another (`Grid.main_model`)
MAIN_MODEL = "attn-cnn-lstm"


@dataclass(frozen=True)
class ModelInfo:
    """A registered model and its declared capabilities."""

    name: str
    kind: str  # one of KINDS
    builder: Callable
    config: type | None  # dataclass of options (`from_kwargs`), None: the model takes none
    trainable: bool  # fitted by the trainer (normalisation, Adam, early stopping)
    fits: bool  # fitted in closed form by `model.fit(x_train, y_train, x_val, y_val)`
    exportable: bool  # exports to ONNX and streams on onnxruntime
    attention: bool  # returns attention weights and has an attention placement option
    description: str
    normalises: bool = False  # holds input/output normalisation fitted on training windows
    features: bool = False  # ends in a linear layer on features (adaptation, export)
    cost: str = "cheap"  # one of COSTS
    stores_training_data: bool = False  # keeps training windows (a leakage probe)

    @property
    def online(self) -> bool:
        """Predicts recordings frame by frame (`models.online.OnlineModel`), not windows."""
        return self.kind == "online"

    @property
    def untrained(self) -> bool:
        """Needs no training data: predicts from a name and a window spec alone."""
        return not (self.trainable or self.fits or self.stores_training_data)

    def resolve(self, options: dict | None) -> dict:
        """Every option of this model, defaults filled in: the form hashed, stored and shown."""
        options = dict(options or {})
        if self.config is None:
            if options:
                raise ConfigError(f"model {self.name!r} takes no options, got {sorted(options)}")
            return {}
        return asdict(self.config.from_kwargs(**options))

    def option_names(self) -> set[str]:
        return set(self.config.__dataclass_fields__) if self.config else set()

    def label(self, options: dict | None) -> str:
        """`attn-cnn-lstm@before` for a non-default attention placement, else the name."""
        if not self.attention:
            return self.name
        placement = self.resolve(options)["attention"]
        return self.name if placement == self.config.attention else f"{self.name}@{placement}"


_REGISTRY: dict[str, ModelInfo] = {}


def register_model(
    name: str,
    kind: str,
    *,
    config: type | None = None,
    trainable: bool | None = None,
    fits: bool = False,
    exportable: bool | None = None,
    attention: bool = False,
    description: str = "",
    normalises: bool | None = None,
    features: bool | None = None,
    cost: str | None = None,
    stores_training_data: bool = False,
):
    """Decorator for a builder `builder(spec, cfg)` (with `config`) or `builder(spec)`.

    Networks default to trainable, exportable, normalising `GaitNet`s with a feature layer
    and cost "network"; baselines to none of these and cost "cheap". Callers read these
    declarations; nothing probes a model's attributes.
    """
    if kind not in KINDS:
        raise ConfigError(f"model {name!r}: kind must be one of {KINDS}, got {kind!r}")
    network = kind == "network"
    cost = cost or ("network" if network else "cheap")
    if cost not in COSTS:
        raise ConfigError(f"model {name!r}: cost must be one of {COSTS}, got {cost!r}")

    def wrap(builder):
        _REGISTRY[name] = ModelInfo(
            name=name,
            kind=kind,
            builder=builder,
            config=config,
            trainable=network if trainable is None else trainable,
            fits=fits,
            exportable=network if exportable is None else exportable,
            attention=attention,
            description=description or (builder.__doc__ or "").strip().split("\n")[0],
            normalises=network if normalises is None else normalises,
            features=network if features is None else features,
            cost=cost,
            stores_training_data=stores_training_data,
        )
        return builder

    return wrap


def unregister_model(name: str) -> None:
    _REGISTRY.pop(name, None)


def list_models(kind: str | None = None) -> list[str]:
    """Registered model names (of one kind), networks first, each kind in name order."""
    _discover()
    infos = [i for i in _REGISTRY.values() if kind is None or i.kind == kind]
    return [i.name for i in sorted(infos, key=lambda i: (KINDS.index(i.kind), i.name))]


def model_info(name: str) -> ModelInfo:
    _discover()
    if name not in _REGISTRY:
        if _NEED_TORCH:
            from ..extras import missing_torch

            raise missing_torch(
                f"model {name!r} (unless it is misspelt; without torch only "
                f"{', '.join(list_models())} are here): the models of "
                f"{', '.join(_NEED_TORCH)}"
            )
        raise ConfigError(f"unknown model {name!r}; registered: {', '.join(list_models())}")
    return _REGISTRY[name]


def resolve_options(name: str, options: dict | None) -> dict:
    return model_info(name).resolve(options)


def create_model(name: str, spec, **options):
    """Build a registered model for a `WindowSpec`; unknown options are a `ConfigError`."""
    info = model_info(name)
    if info.config is None:
        info.resolve(options)  # refuses options
        return info.builder(spec)
    return info.builder(spec, info.config.from_kwargs(**options))


_discovered = False
_NEED_TORCH: list[str] = []  # modules here that could not register: torch is not installed


def _discover() -> None:
    """Import every module of this package once, so that each registers its models. Without
    torch (the runtime), the modules that need it are skipped and named in `_NEED_TORCH`;
    the online models, which are plain Python, register as ever."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    package = importlib.import_module(__package__)
    for module in pkgutil.iter_modules(package.__path__):
        try:
            importlib.import_module(f"{__package__}.{module.name}")
        except ImportError as exc:
            from ..extras import is_missing_torch

            if not is_missing_torch(exc):
                raise
            _NEED_TORCH.append(module.name)
