"""The project's exception types.

Every error that ctdnn_bench raises on purpose is a :class:`CTDNNError`, and its message says what was wrong and what
to do instead. The subclasses also inherit from the matching built-in type, so ``except ValueError`` keeps working.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable
from typing import TypeVar

T = TypeVar("T")


class CTDNNError(Exception):
    """Base class of all errors raised on purpose by ctdnn_bench."""


class ConfigError(CTDNNError, ValueError):
    """An argument or configuration value is invalid (unknown name, impossible size, ...)."""


class ShapeError(CTDNNError, ValueError):
    """A tensor has the wrong shape, dtype or non-finite entries."""


class SolverError(CTDNNError, RuntimeError):
    """An ODE solve failed: step budget exceeded, step size underflow, or a non-finite state."""


class DataError(CTDNNError, OSError):
    """A data file is missing, corrupt, or has unexpected contents."""


class ResultsError(CTDNNError, OSError):
    """The results store cannot be read or written."""


class EnvironmentFailure(CTDNNError, OSError):
    """Not the input but the machine failed: an unwritable directory, a full disk, an unreachable cluster.

    The command line exits with status 1 for these, and 2 for every other :class:`CTDNNError` (bad input).
    """


class UnwritableError(ResultsError, EnvironmentFailure):
    """A directory that results or the report go to cannot be written."""


class ClusterError(EnvironmentFailure):
    """The Dask scheduler cannot be reached, no worker is alive, or a worker cannot write the results."""


def unknown_name(kind: str, name: object, choices: Iterable[str]) -> ConfigError:
    """Build the error for an unknown registry name, listing the valid names and the closest match.

    Args:
        kind: what was being looked up, e.g. ``"basis"``.
        name: the name the user gave.
        choices: the valid names.
    """
    names = sorted(choices)
    msg = f"unknown {kind} {name!r}; choose one of: {', '.join(names)}"
    close = difflib.get_close_matches(str(name), names, n=1)
    if close:
        msg += f" (did you mean {close[0]!r}?)"
    return ConfigError(msg)


def lookup(registry: dict[str, T], kind: str, name: str) -> T:
    """Return ``registry[name]`` or raise :func:`unknown_name`'s error."""
    try:
        return registry[name]
    except (KeyError, TypeError):
        raise unknown_name(kind, name, registry) from None


def require_choices(*checks: tuple[str, object, Collection[str]]) -> None:
    """For each ``(kind, value, allowed)``: raise :func:`unknown_name`'s error unless ``value in allowed``."""
    for kind, value, allowed in checks:
        if value not in allowed:
            raise unknown_name(kind, value, allowed)
