"""Errors a user can act on.

Anything raised as a `DiveError` is shown by the CLI as one line (`dive: error: ...`) and a non-zero exit, never as
a traceback: its message must say what went wrong and what to do about it.
"""


class DiveError(Exception):
    """Base class of every error whose message is meant for the user."""


class ConfigError(DiveError):
    """A bad `--key=value` override, an unknown key, or a config that does not fit a checkpoint."""


class UnknownNameError(DiveError, KeyError):
    """A name (recipe, model, dataset, profile) that is not registered."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""
