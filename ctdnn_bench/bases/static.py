"""Time-invariant weights."""

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import Tensor

from ctdnn_bench.bases._base import AbstractBasis
from ctdnn_bench.errors import ConfigError


@dataclass(frozen=True, kw_only=True)
class Static(AbstractBasis):
    """The single constant function ``p_0 = 1``: weights do not depend on time. ``degree`` must be 0."""

    degree: int = 0
    name: ClassVar[str] = "static"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.degree != 0:
            raise ConfigError(f"the static basis has one function (degree 0), got degree {self.degree}")

    def _evaluate(self, s: Tensor) -> Tensor:
        return torch.ones_like(s).unsqueeze(-1)
