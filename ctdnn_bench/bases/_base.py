"""The abstract time basis and the affine map from physical time to a basis' reference variable."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
from torch import Tensor

from ctdnn_bench.errors import ConfigError, ShapeError, unknown_name
from ctdnn_bench.validate import MAX_DEGREE

#: Reference intervals that physical time [t0, t1] can be mapped to before the basis is evaluated.
#: ``raw`` keeps t as it is (the authors' MATLAB monomials on [0, T]); ``unit`` maps to [0, 1];
#: ``symmetric`` maps to [-1, 1] (where Legendre and Chebyshev polynomials are orthogonal).
DOMAINS: dict[str, tuple[float, float] | None] = {"raw": None, "unit": (0.0, 1.0), "symmetric": (-1.0, 1.0)}


@dataclass(frozen=True, kw_only=True)
class AbstractBasis:
    """``degree + 1`` scalar functions of time on the interval ``[t0, t1]``.

    A basis is immutable and parameter-free; it evaluates on any device and dtype, and is differentiable in ``t``.

    Args:
        degree: for polynomial bases the polynomial degree d, so there are ``d + 1`` functions. Every basis has
            exactly ``degree + 1`` functions (see each class for what degree means there).
        t0: start of the time interval.
        t1: end of the time interval (``t1 > t0``).
        domain: the reference interval ``t`` is mapped to before evaluation, one of :data:`DOMAINS`;
            ``None`` means the class default (``default_domain``).
    """

    degree: int
    t0: float = 0.0
    t1: float = 1.0
    domain: str | None = None

    #: the domain used when ``domain`` is None; subclasses override.
    default_domain: ClassVar[str] = "unit"
    #: registry name; subclasses set it.
    name: ClassVar[str] = "abstract"

    def __post_init__(self) -> None:
        if not isinstance(self.degree, int | np.integer) or isinstance(self.degree, bool) or self.degree < 0:
            raise ConfigError(f"{self.name} basis: degree must be an integer >= 0, got {self.degree!r}")
        if self.degree > MAX_DEGREE:  # a typo here would otherwise end in a MemoryError or a C++ bad_alloc
            raise ConfigError(f"{self.name} basis: degree must be at most {MAX_DEGREE}, got {self.degree!r}")
        if not all(isinstance(t, int | float | np.number) and not isinstance(t, bool) for t in (self.t0, self.t1)):
            raise ConfigError(f"{self.name} basis: t0 and t1 must be numbers, got {self.t0!r} and {self.t1!r}")
        if not (math.isfinite(self.t0) and math.isfinite(self.t1)) or self.t1 <= self.t0:
            raise ConfigError(
                f"{self.name} basis: need finite t0 < t1, got [{self.t0}, {self.t1}]; "
                "for a final time T use t0=0, t1=T with T > 0"
            )
        if self.domain is None:
            object.__setattr__(self, "domain", self.default_domain)
        if not isinstance(self.domain, str) or self.domain not in DOMAINS:
            raise unknown_name("time domain", self.domain, DOMAINS)

    @property
    def n_functions(self) -> int:
        """Number of basis functions, ``degree + 1``."""
        return self.degree + 1

    def to_reference(self, t: Tensor) -> Tensor:
        """Map physical time ``t`` (any shape) affinely to the reference variable of :attr:`domain`."""
        target = DOMAINS[str(self.domain)]
        if target is None:
            return t
        lo, hi = target
        return lo + (hi - lo) * (t - self.t0) / (self.t1 - self.t0)

    def __call__(self, t: Tensor | float) -> Tensor:
        """Evaluate all functions at ``t``.

        Args:
            t: a scalar (Python float or 0-d tensor) or a 1-d tensor of ``m`` times.

        Returns:
            shape ``(n_functions,)`` for a scalar, ``(m, n_functions)`` for a vector; the dtype and device of ``t``
            (the default dtype for a Python float).
        """
        t = torch.as_tensor(t, dtype=t.dtype if isinstance(t, Tensor) else torch.get_default_dtype())
        if t.dim() > 1:
            raise ShapeError(f"basis times must be a scalar or a 1-d tensor, got shape {tuple(t.shape)}")
        if not t.is_floating_point():
            t = t.to(torch.get_default_dtype())
        return self._evaluate(self.to_reference(t))

    def _evaluate(self, s: Tensor) -> Tensor:
        """Evaluate at reference values ``s`` (shape ``(...)``) -> ``(..., n_functions)``."""
        raise NotImplementedError

    def matrix(self, times: Tensor | np.ndarray) -> np.ndarray:
        """Basis matrix ``A[j, k] = p_k(t_j)`` in float64 numpy (the Vandermonde matrix for monomials)."""
        t = torch.as_tensor(np.asarray(times, dtype=np.float64))
        return self(t.reshape(-1)).numpy()

    def breakpoints(self) -> np.ndarray:
        """Points in ``[t0, t1]`` (interval ends included) between which every function is smooth."""
        return np.array([self.t0, self.t1])

    def constant_coefficients(self) -> np.ndarray:
        """Coefficients ``c`` (shape ``(n_functions,)``) with ``sum_k c_k p_k(t) = 1``, by least squares on a grid.

        This is how weights start constant in time (the authors' ``initTheta``). Raises if the basis cannot
        represent a constant.
        """
        grid = np.linspace(self.t0, self.t1, 4 * self.n_functions + 8)
        a = self.matrix(grid)
        c, *_ = np.linalg.lstsq(a, np.ones(len(grid)), rcond=None)
        if np.max(np.abs(a @ c - 1.0)) > 1e-8:
            raise ConfigError(f"the {self.name} basis cannot represent constant weights")
        return c
