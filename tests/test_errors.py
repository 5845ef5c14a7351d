"""Bad input: every mistake raises a ctdnn_bench error whose message says what is wrong and what to do."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from ctdnn_bench import (
    BASES,
    INTEGRATORS,
    MODELS,
    ConfigError,
    CTDNNError,
    HamiltonianBlock,
    ModelConfig,
    NeuralODEBlock,
    ResNetBlock,
    ShapeError,
    TanhLayerField,
    TimeDependentLinear,
    build_model,
    make_basis,
)


def test_error_hierarchy() -> None:
    assert issubclass(ConfigError, CTDNNError) and issubclass(ConfigError, ValueError)
    assert issubclass(ShapeError, CTDNNError) and issubclass(ShapeError, ValueError)


@pytest.mark.parametrize(
    ("make", "typo", "meant", "registry"),
    [
        (lambda name: make_basis(name, 3), "legendr", "legendre", BASES),
        (lambda name: make_basis(name, 3), "Chebyshev", "chebyshev", BASES),
        (lambda name: ModelConfig(basis=name), "monomal", "monomial", BASES),
        (lambda name: ModelConfig(architecture=name), "resnett", "resnet", MODELS),
        (lambda name: ModelConfig(architecture=name), "hamiltonain", "hamiltonian", MODELS),
        (lambda name: ModelConfig(architecture="node", method=name), "dopri", "dopri5", INTEGRATORS),
        (lambda name: NeuralODEBlock(TanhLayerField(2, make_basis("legendre", 1)), method=name), "rk5", "rk4", None),
    ],
)
def test_unknown_names_list_choices_and_suggest(
    make: Callable[[str], object], typo: str, meant: str, registry: dict[str, object] | None
) -> None:
    with pytest.raises(ConfigError) as info:
        make(typo)
    msg = str(info.value)
    assert repr(typo) in msg
    assert f"did you mean {meant!r}" in msg
    for name in registry or INTEGRATORS:
        assert name in msg, f"{name} missing from: {msg}"


def test_unknown_name_without_close_match_still_lists_choices() -> None:
    with pytest.raises(ConfigError) as info:
        make_basis("zzzz", 2)
    assert "did you mean" not in str(info.value)
    assert all(name in str(info.value) for name in BASES)


def test_unknown_domain_grid_and_init() -> None:
    with pytest.raises(ConfigError, match=r"time domain 'unti'.*did you mean 'unit'"):
        make_basis("monomial", 2, domain="unti")
    with pytest.raises(ConfigError, match=r"time grid 'lft'.*left.*linspace"):
        ModelConfig(time_grid="lft")
    with pytest.raises(ConfigError, match=r"time_init 'constnat'.*did you mean 'constant'"):
        ModelConfig(time_init="constnat")
    with pytest.raises(ConfigError, match=r"time_init.*constant, random"):
        TimeDependentLinear(2, 2, make_basis("legendre", 1), time_init="zeros")


@pytest.mark.parametrize("degree", [-1, -5])
def test_negative_degree(degree: int) -> None:
    with pytest.raises(ConfigError, match=r"degree must be an integer >= 0, got -"):
        make_basis("legendre", degree)
    with pytest.raises(ConfigError, match=r"degree must be an integer in \[0, 1000\], got -"):
        ModelConfig(degree=degree)


def test_non_integer_degree() -> None:
    with pytest.raises(ConfigError, match="degree must be an integer"):
        make_basis("legendre", 2.5)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="degree must be an integer"):
        make_basis("legendre", True)


@pytest.mark.parametrize("big_t", [0.0, -1.0, float("inf"), float("nan")])
def test_bad_final_time(big_t: float) -> None:
    with pytest.raises(ConfigError, match=r"final_time T must be a finite number > 0"):
        ModelConfig(final_time=big_t)
    with pytest.raises(ConfigError, match=r"need finite t0 < t1.*T > 0"):
        make_basis("legendre", 2, 0.0, big_t)


def test_node_interval_and_tolerances() -> None:
    field = TanhLayerField(2, make_basis("legendre", 1))
    with pytest.raises(ConfigError, match="need t1 > t0"):
        NeuralODEBlock(field, t0=1.0, t1=1.0)
    with pytest.raises(ConfigError, match="tolerances must be positive"):
        NeuralODEBlock(field, rtol=0.0)
    with pytest.raises(ConfigError, match="max_nfe must be >= 1"):
        NeuralODEBlock(field, max_nfe=0)
    for step in (0.0, -0.1, float("nan")):
        with pytest.raises(ConfigError, match="step_size must be a finite number > 0"):
            NeuralODEBlock(field, method="rk4", step_size=step)


def test_bad_sizes() -> None:
    with pytest.raises(ConfigError, match="n_steps must be >= 1"):
        ResNetBlock(3, make_basis("legendre", 1), n_steps=0)
    with pytest.raises(ConfigError, match="layer widths must be >= 1"):
        TimeDependentLinear(0, 2, make_basis("legendre", 1))
    with pytest.raises(ConfigError, match=r"n_in must be an integer in \[1, .*got 0"):
        build_model(ModelConfig(), 0, 3)
    with pytest.raises(ConfigError, match=r"width must be an integer in \[1, 10000\], got 0"):
        ModelConfig(width=0)
    with pytest.raises(ConfigError, match=r"hidden\[0\] must be an integer in \[1, 10000\], got 0"):
        ModelConfig(architecture="node", hidden=(0,))


@pytest.mark.parametrize("architecture", ["resnet", "hamiltonian"])
def test_hidden_widths_only_for_node(architecture: str) -> None:
    with pytest.raises(ConfigError, match=rf"apply only to architecture 'node'.*{architecture}"):
        ModelConfig(architecture=architecture, hidden=(50,))
    ModelConfig(architecture="node", hidden=(50,))  # fine


def test_static_basis_needs_degree_zero() -> None:
    with pytest.raises(ConfigError, match=r"static basis has one function \(degree 0\), got degree 1"):
        make_basis("static", 1)
    with pytest.raises(ConfigError, match="static basis has degree 0; set degree=0"):
        ModelConfig(basis="static", degree=1)
    assert make_basis("static", 0).n_functions == 1


def blocks() -> list[tuple[str, torch.nn.Module, int]]:
    basis = make_basis("legendre", 1)
    return [
        ("ResNetBlock", ResNetBlock(3, basis), 3),
        ("HamiltonianBlock", HamiltonianBlock(3, basis), 3),
        ("NeuralODEBlock", NeuralODEBlock(TanhLayerField(3, basis)), 3),
        ("SurrogateModel", build_model(ModelConfig(width=3, degree=1), 5, 2, seed=0), 5),
    ]


@pytest.mark.parametrize("index", range(4))
def test_input_shape_and_values_are_checked(index: int) -> None:
    what, module, width = blocks()[index]
    with pytest.raises(ShapeError, match=rf"{what} input: expected shape \(batch, {width}\), got \(4, {width + 1}\)"):
        module(torch.zeros(4, width + 1))
    with pytest.raises(ShapeError, match=rf"got \({width},\).*x.reshape\(-1, width\)"):
        module(torch.zeros(width))  # a single sample without the batch axis
    with pytest.raises(ShapeError, match=r"got \(2, 2, \d\)"):
        module(torch.zeros(2, 2, width))
    with pytest.raises(ShapeError, match="floating-point"):
        module(torch.zeros(2, width, dtype=torch.long))
    bad = torch.zeros(2, width)
    bad[1, 0] = float("nan")
    bad[0, 1] = float("inf")
    with pytest.raises(ShapeError, match=r"2 non-finite entries \(nan/inf\)"):
        module(bad)
    with pytest.raises(ShapeError, match=r"expected a torch\.Tensor"):
        module([[0.0] * width])


def test_basis_times_must_be_at_most_1d() -> None:
    with pytest.raises(ShapeError, match=r"scalar or a 1-d tensor, got shape \(2, 3\)"):
        make_basis("legendre", 2)(torch.zeros(2, 3))


def test_constant_weights_impossible_is_reported() -> None:
    """A basis that cannot represent constants cannot start with weights constant in time: a clear ConfigError."""
    from dataclasses import dataclass

    from ctdnn_bench.bases import Fourier

    @dataclass(frozen=True, kw_only=True)
    class NoConstant(Fourier):
        name = "no_constant"

        def _evaluate(self, s: torch.Tensor) -> torch.Tensor:
            return super()._evaluate(s)[..., 1:]  # drop the constant function

        @property
        def n_functions(self) -> int:
            return self.degree

    with pytest.raises(ConfigError, match="cannot represent constant weights"):
        NoConstant(degree=2).constant_coefficients()
