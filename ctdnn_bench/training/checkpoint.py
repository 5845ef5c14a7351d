"""Early stopping on the validation error and the best checkpoint (the revised neural-ODE protocol, paper.md Sec. 7)."""

from __future__ import annotations

import math

from torch import Tensor, nn


class BestCheckpoint:
    """Tracks the best validation error seen at the evaluations, where it was, and (optionally) the parameters then.

    The authors' revised neural-ODE code validates every few iterations, stops after ``patience`` validations in a
    row without improvement, and reports the model of its best validation.

    Args:
        module: the model whose ``state_dict`` is copied at each new best.
        patience: evaluations in a row without a new best after which :meth:`update` says stop; 0 = never.
        keep: keep a copy of the best parameters for :meth:`restore`.
    """

    def __init__(self, module: nn.Module, *, patience: int = 0, keep: bool = False) -> None:
        self.module, self.patience, self.keep = module, patience, keep
        self.best, self.since_best = math.inf, 0
        self.best_at: int | None = None
        self._state: dict[str, Tensor] | None = None

    def update(self, at: int, val_error: float) -> bool:
        """Record the evaluation at step ``at``; True if patience has run out (a NaN error is never a new best)."""
        if val_error < self.best:
            self.best, self.best_at, self.since_best = val_error, at, 0
            if self.keep:
                self._state = {k: v.detach().clone() for k, v in self.module.state_dict().items()}
            return False
        self.since_best += 1
        return 0 < self.patience <= self.since_best

    def restore(self) -> bool:
        """Load the best parameters into the module; False if none were kept (nothing changes)."""
        if self._state is None:
            return False
        self.module.load_state_dict(self._state)
        return True
