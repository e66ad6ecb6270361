"""core: seeding, devices, paths, Timer, the registry and config overrides. Imports only stdlib and torch."""

from dive.core.cache import build_once, key_digest, keyed_path
from dive.core.config import apply_overrides, config_diff, config_from_dict, config_to_dict, describe_fields
from dive.core.device import check_same_device, choose_device, synchronize
from dive.core.errors import ConfigError, DiveError, UnknownNameError
from dive.core.loaders import IterableLoader, Loader, as_loader
from dive.core.lock import FolderLock
from dive.core.paths import cache_dir, default_run_dir
from dive.core.registry import Registry
from dive.core.seed import batch_generator, epoch_generator, get_rng_state, seed_everything, set_rng_state
from dive.core.timer import Timer

__all__ = [
    "ConfigError",
    "DiveError",
    "FolderLock",
    "IterableLoader",
    "Loader",
    "Registry",
    "Timer",
    "UnknownNameError",
    "apply_overrides",
    "build_once",
    "key_digest",
    "keyed_path",
    "as_loader",
    "batch_generator",
    "cache_dir",
    "check_same_device",
    "choose_device",
    "config_diff",
    "config_from_dict",
    "config_to_dict",
    "default_run_dir",
    "describe_fields",
    "epoch_generator",
    "get_rng_state",
    "seed_everything",
    "set_rng_state",
    "synchronize",
]
