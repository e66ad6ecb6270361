"""Recipe configuration: one frozen dataclass per recipe, changed only through type-checked `--key=value` overrides.

    >>> @dataclass(frozen=True)
    ... class Cfg:
    ...     lr: float = 0.1
    ...     max_epochs: int = 10
    >>> apply_overrides(Cfg(), ["lr=0.5"]).lr
    0.5

An unknown key, or a value that does not parse as the field's type, is a `ConfigError` naming the valid keys
and their types. No YAML, no globals: the dataclass is the whole truth about a run's settings.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from dive.core.errors import ConfigError

C = TypeVar("C")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def field_types(cls: type) -> dict[str, Any]:
    """The resolved type of every field of the dataclass `cls`."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return "|".join(str(a) for a in typing.get_args(tp))
    if origin in (typing.Union, types.UnionType):
        return " or ".join(type_name(a) for a in typing.get_args(tp))
    if origin is tuple:
        return f"tuple of {type_name(typing.get_args(tp)[0])}"
    return "none" if tp is type(None) else getattr(tp, "__name__", str(tp))


def parse_value(text: str, tp: Any) -> Any:
    """Parse `text` as type `tp` (int, float, bool, str, Literal, Optional, tuple[X, ...]); ValueError if not."""
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        for choice in typing.get_args(tp):
            if str(choice) == text:
                return choice
        raise ValueError(f"expected one of {type_name(tp)}")
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if type(None) in args and text.lower() in ("none", "null", ""):
            return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return parse_value(text, arg)
            except ValueError:
                continue
        raise ValueError(f"expected {type_name(tp)}")
    if origin is tuple:
        item = typing.get_args(tp)[0]
        parts = [p for p in text.replace("(", "").replace(")", "").split(",") if p.strip()]
        return tuple(parse_value(p.strip(), item) for p in parts)
    if tp is bool:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ValueError("expected a boolean (true/false)")
    if tp is int:
        return int(text)
    if tp is float:
        return float(text)
    if tp is str:
        return text
    raise ValueError(f"cannot parse a {type_name(tp)} from the command line")


def describe_fields(cls: type) -> str:
    return ", ".join(f"{name}: {type_name(tp)}" for name, tp in field_types(cls).items())


def split_overrides(items: Iterable[str] | Mapping[str, str]) -> dict[str, str]:
    """Turn ["lr=0.1", "max-epochs=3"] into {"lr": "0.1", "max_epochs": "3"}."""
    if isinstance(items, Mapping):
        return {k.replace("-", "_"): v for k, v in items.items()}
    out = {}
    for item in items:
        key, sep, value = item.lstrip("-").partition("=")
        if not sep:
            raise ConfigError(f"override {item!r} is not of the form key=value")
        out[key.replace("-", "_")] = value
    return out


def apply_overrides(cfg: C, overrides: Iterable[str] | Mapping[str, str]) -> C:
    """Return a copy of the dataclass `cfg` with the overrides parsed against its field types."""
    types_ = field_types(type(cfg))
    changes = {}
    for key, text in split_overrides(overrides).items():
        if key not in types_:
            close = difflib.get_close_matches(key, types_, n=3, cutoff=0.5)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ConfigError(f"unknown config key {key!r}{hint}; valid keys are: {describe_fields(type(cfg))}")
        try:
            changes[key] = parse_value(text, types_[key])
        except ValueError as e:
            raise ConfigError(f"bad value {text!r} for {key} ({type_name(types_[key])}): {e}") from None
    return dataclasses.replace(cfg, **changes)


def config_to_dict(cfg: Any) -> dict[str, Any]:
    """A JSON-able dict of the config (tuples become lists)."""
    return dataclasses.asdict(cfg)


def config_from_dict(cls: type[C], data: Mapping[str, Any]) -> C:
    """Rebuild a config from `config_to_dict` output (lists back to tuples)."""
    types_ = field_types(cls)
    kwargs = {}
    for key, value in data.items():
        if key not in types_:
            raise ConfigError(f"stored config has key {key!r}, which {cls.__name__} does not know")
        kwargs[key] = tuple(value) if isinstance(value, list) else value
    return cls(**kwargs)


def config_diff(a: Any, b: Any) -> dict[str, tuple[Any, Any]]:
    """Fields whose values differ between two configs of the same class: {name: (a_value, b_value)}."""
    da, db = config_to_dict(a), config_to_dict(b)
    return {k: (da[k], db.get(k)) for k in da if da[k] != db.get(k)}
