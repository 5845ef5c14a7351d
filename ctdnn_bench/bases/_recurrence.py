"""Polynomial families defined by data: a three-term recurrence evaluated by one shared routine.

``P_0 = 1``, ``P_1 = (a_0 x + b_0)``, ``P_{n+1} = (a_n x + b_n) P_n - c_n P_{n-1}`` (Abramowitz & Stegun 22.7).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from ctdnn_bench.bases._base import AbstractBasis

Coefficients = Callable[[int], tuple[float, float, float]]


def evaluate_recurrence(x: Tensor, n_functions: int, coefficients: Coefficients) -> Tensor:
    """Evaluate ``P_0 .. P_{n-1}`` at ``x`` (shape ``(...)``) -> ``(..., n_functions)``."""
    values = [torch.ones_like(x)]
    prev = torch.zeros_like(x)
    for n in range(n_functions - 1):
        a, b, c = coefficients(n)
        nxt = (a * x + b) * values[-1] - c * prev
        prev = values[-1]
        values.append(nxt)
    return torch.stack(values, dim=-1)


def power_coefficients(n_functions: int, coefficients: Coefficients) -> np.ndarray:
    """Matrix ``C`` with ``P_k(x) = sum_j C[k, j] x^j`` (float64, lower triangular), from the same recurrence."""
    c_mat = np.zeros((n_functions, n_functions))
    c_mat[0, 0] = 1.0
    prev = np.zeros(n_functions)
    for n in range(n_functions - 1):
        a, b, c = coefficients(n)
        cur = c_mat[n]
        nxt = b * cur - c * prev
        nxt[1:] += a * cur[:-1]
        prev = cur
        c_mat[n + 1] = nxt
    return c_mat


@dataclass(frozen=True, kw_only=True)
class AbstractRecurrenceBasis(AbstractBasis):
    """A polynomial basis given by its recurrence coefficients ``(a_n, b_n, c_n)``; degree is the polynomial degree."""

    def recurrence(self, n: int) -> tuple[float, float, float]:
        """The coefficients ``(a_n, b_n, c_n)`` of the step from ``P_n`` to ``P_{n+1}``."""
        raise NotImplementedError

    def _evaluate(self, s: Tensor) -> Tensor:
        return evaluate_recurrence(s, self.n_functions, self.recurrence)

    def reference_power_matrix(self) -> np.ndarray:
        """``C`` with ``p_k = sum_j C[k, j] s^j`` in the reference variable ``s`` of this basis' domain."""
        return power_coefficients(self.n_functions, self.recurrence)

    def constant_coefficients(self) -> np.ndarray:
        """Exactly ``e_0``: ``P_0 = 1`` for every family here."""
        c = np.zeros(self.n_functions)
        c[0] = 1.0
        return c
