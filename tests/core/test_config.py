from dataclasses import FrozenInstanceError, dataclass
from typing import Literal

import pytest

from dive.core import ConfigError, apply_overrides, config_from_dict, config_to_dict
from dive.core.config import config_diff, parse_value


@dataclass(frozen=True)
class Cfg:
    lr: float = 0.1
    max_epochs: int = 10
    synthetic: bool = False
    num_hiddens: tuple[int, ...] = (256,)
    name: str = "x"
    mode: Literal["a", "b"] = "a"
    clip: float | None = None


def test_overrides_are_parsed_by_field_type():
    cfg = apply_overrides(
        Cfg(), ["lr=0.5", "max-epochs=3", "synthetic=true", "num_hiddens=64,32", "mode=b", "clip=1.5"]
    )
    assert cfg == Cfg(lr=0.5, max_epochs=3, synthetic=True, num_hiddens=(64, 32), mode="b", clip=1.5)
    assert apply_overrides(cfg, {"clip": "none"}).clip is None


def test_config_is_frozen():
    with pytest.raises(FrozenInstanceError):
        Cfg().lr = 1.0


def test_unknown_key_lists_valid_keys_and_close_match():
    with pytest.raises(ConfigError) as e:
        apply_overrides(Cfg(), ["lrr=0.1"])
    msg = str(e.value)
    assert "unknown config key 'lrr'" in msg and "did you mean lr" in msg and "max_epochs: int" in msg


@pytest.mark.parametrize(
    ("item", "expected"),
    [("max_epochs=ten", "max_epochs (int)"), ("synthetic=maybe", "boolean"), ("mode=c", "a|b"), ("lr", "key=value")],
)
def test_bad_values_are_config_errors(item, expected):
    with pytest.raises(ConfigError, match=expected.replace("|", r"\|").replace("(", r"\(").replace(")", r"\)")):
        apply_overrides(Cfg(), [item])


def test_round_trip_and_diff():
    cfg = Cfg(num_hiddens=(8, 4))
    d = config_to_dict(cfg)
    assert d["num_hiddens"] == (8, 4) or d["num_hiddens"] == [8, 4]
    assert config_from_dict(Cfg, {**d, "num_hiddens": [8, 4]}) == cfg
    assert config_diff(Cfg(), cfg) == {"num_hiddens": ((256,), (8, 4))}


def test_parse_value_refuses_unsupported_types():
    with pytest.raises(ValueError):
        parse_value("1", dict)
