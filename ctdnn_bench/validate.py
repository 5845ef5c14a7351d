"""Type and range checks of configuration values: one gateway, so that no bad number reaches the numerics.

Every check returns the value normalized (Python ``int``/``float``/``bool``/``str``/``tuple``) or raises a
:class:`~ctdnn_bench.errors.ConfigError` that names the field, the value given and what would be accepted. Numbers
written as integers where a float is expected (TOML ``final_time = 5``) become floats, so that a config's key does
not depend on how a number was written. Nothing here imports torch.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection

from ctdnn_bench.errors import ConfigError, require_choices

#: Upper bounds that keep a typo (an extra zero, a wrong unit) from exhausting memory before any check can help.
MAX_DEGREE = 1000
MAX_WIDTH = 10_000
MAX_STEPS = 100_000
MAX_COUNT = 10**9  # epochs, iterations, function-evaluation budgets, batch sizes
MAX_SEED = 2**63 - 1  # numpy and torch both accept seeds in [0, 2**63)
#: Time-dependent weights per dynamics layer, (degree + 1) x width x width: 1e8 float64 numbers are 800 MB.
MAX_COEFFICIENTS = 10**8


def _shown(value: object) -> str:
    """The value as the user wrote it, plus its type when the type is what is wrong."""
    return (
        repr(value) if isinstance(value, bool | int | float | type(None)) else f"{value!r} (a {type(value).__name__})"
    )


def _fail(name: str, accepted: str, value: object) -> ConfigError:
    return ConfigError(f"{name} must be {accepted}, got {_shown(value)}")


def integer(name: str, value: object, low: int = 0, high: int = MAX_COUNT) -> int:
    """``value`` as an ``int`` in ``[low, high]``; booleans and floats (even ``3.0``) are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= int(value) <= high:
        raise _fail(name, f"an integer in [{low}, {high}]", value)
    return int(value)


def number(name: str, value: object, *, low: float | None = None, strict: bool = False, unset: bool = False) -> float:
    """``value`` as a finite ``float``, ``> low`` (``strict``) or ``>= low``; integers are converted."""
    accepted = "a finite number" + ("" if low is None else f" {'>' if strict else '>='} {low:g}")
    accepted += " or unset (None)" if unset else ""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _fail(name, accepted, value)
    x = float(value)
    if not math.isfinite(x) or (low is not None and (x <= low if strict else x < low)):
        raise _fail(name, accepted, value)
    return x


def optional_number(name: str, value: object, *, low: float | None = None, strict: bool = False) -> float | None:
    """Like :func:`number`, but None (the field's "off") passes."""
    return None if value is None else number(name, value, low=low, strict=strict, unset=True)


def flag(name: str, value: object) -> bool:
    """``value`` if it is a boolean: the string ``"no"`` or the number ``1`` are refused, not guessed at."""
    if type(value).__name__ not in ("bool", "bool_"):
        raise _fail(name, "true or false (a boolean)", value)
    return bool(value)


def text(name: str, value: object, *, empty: bool = True) -> str:
    """``value`` if it is a string (non-empty unless ``empty``)."""
    if not isinstance(value, str) or (not empty and not value):
        raise _fail(name, "a non-empty string" if not empty else "a string", value)
    return value


def choice(kind: str, value: object, allowed: Collection[str]) -> str:
    """``value`` if it is one of ``allowed``; the error lists them and suggests the closest."""
    if not isinstance(value, str):
        raise _fail(kind, f"one of: {', '.join(sorted(allowed))}", value)
    require_choices((kind, value, allowed))
    return value


def widths(name: str, value: object, low: int = 1, high: int = MAX_WIDTH) -> tuple[int, ...]:
    """A list or tuple of integers in ``[low, high]``, as a tuple (a bare number is refused: write ``[50]``)."""
    if not isinstance(value, list | tuple) or len(value) > 64:
        raise _fail(name, f"a list of at most 64 integers in [{low}, {high}], e.g. [50]", value)
    return tuple(integer(f"{name}[{i}]", v, low, high) for i, v in enumerate(value))


def seed(name: str, value: object) -> int:
    """A seed: an integer in ``[0, 2**63)``."""
    return integer(name, value, 0, MAX_SEED)


def normalize(cfg: object, values: dict[str, object]) -> None:
    """Store checked values on a frozen dataclass (``5`` becomes ``5.0`` where a float belongs, lists tuples)."""
    for name, value in values.items():
        object.__setattr__(cfg, name, value)
