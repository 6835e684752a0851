r"""The light graph convolution of LightGCN on the user-item graph, as sparse ``torch`` products on the CPU.

:math:`\hat A = D^{-1/2} A D^{-1/2}` is the normalised adjacency of the bipartite interaction graph (users
``0 .. n-1``, items ``n .. n+m-1``) and the propagation is the layer mean
:math:`M E^{(0)} = \tfrac{1}{K+1}\sum_{k=0}^{K} \hat A^k E^{(0)}`. :class:`mp2v.models.lightgcn.LightGCN`
trains through :func:`propagate_differentiable`; :func:`propagate` applies a finished propagation to given
layer-0 embeddings. ``torch`` is the optional extra ``gnn``: this module imports without it and
:func:`require_torch` says what to install.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from mp2v.errors import ConfigError, EvaluationError
from mp2v.models.base import InputTransform, check_int, check_interactions
from mp2v.models.implicit_models import capped_threads
from mp2v.training.torch_options import missing_torch
from mp2v.types import FloatMatrix, InteractionMatrix

if TYPE_CHECKING:
    import torch

#: The message of the :class:`ConfigError` raised when ``torch`` is missing.
MISSING_TORCH = missing_torch("LightGCN")


def require_torch() -> None:
    """Import ``torch`` or raise :class:`ConfigError` naming the optional extra to install."""
    try:
        import torch  # noqa: F401
    except (ImportError, OSError) as error:  # OSError: an installed wheel whose shared libraries do not load
        raise ConfigError(MISSING_TORCH) from error


def normalized_adjacency(train: InteractionMatrix) -> sp.csr_matrix:
    r""":math:`\hat A = D^{-1/2} A D^{-1/2}` of the bipartite graph of ``train`` (binarised), float32 CSR.

    Nodes ``0 .. n-1`` are the users, ``n .. n+m-1`` the items; :math:`\hat A_{u,n+i} = \hat A_{n+i,u} =
    1/\sqrt{d_u d_i}` for every stored nonzero :math:`(u, i)`; rows and columns of degree-0 nodes are empty.
    """
    binary = InputTransform("binary").apply(check_interactions(train))
    adjacency = sp.bmat([[None, binary], [binary.T, None]], format="csr", dtype=np.float64)
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    inverse_sqrt = np.divide(1.0, np.sqrt(degree), out=np.zeros_like(degree), where=degree > 0)
    scaling = sp.diags(inverse_sqrt)
    normalized = sp.csr_matrix(scaling @ adjacency @ scaling, dtype=np.float32)
    normalized.sort_indices()
    return normalized


def torch_sparse(matrix: sp.csr_matrix) -> torch.Tensor:
    """A scipy CSR as a float32 torch sparse CSR tensor."""
    import torch

    with warnings.catch_warnings():  # "Sparse CSR tensor support is in beta state": CSR @ dense is all we use
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta", category=UserWarning)
        return torch.sparse_csr_tensor(
            torch.from_numpy(matrix.indptr.astype(np.int64)),
            torch.from_numpy(matrix.indices.astype(np.int64)),
            torch.from_numpy(matrix.data.astype(np.float32)),
            size=matrix.shape,
            dtype=torch.float32,
            check_invariants=True,  # scipy's canonical CSR passes; checked once per fit, not per product
        )


def _layer_mean(adjacency: torch.Tensor, layer0: torch.Tensor, layers: int) -> torch.Tensor:
    r""":math:`M E^{(0)}` with :math:`M = \tfrac{1}{K+1}\sum_{k=0}^{K} \hat A^k` (no autograd).

    Products go through ``addmm(..., beta=0, out=buffer)`` into two alternating buffers: ``torch.sparse.mm``
    allocates, zero-fills and copies its result on every call, which costs as much as the product itself.
    """
    import torch

    total = layer0.clone()
    buffers = (torch.empty_like(layer0), torch.empty_like(layer0))
    current = layer0
    for layer in range(layers):
        target = buffers[layer % 2]
        torch.addmm(target, adjacency, current, beta=0.0, out=target)
        total += target
        current = target
    return total.div_(float(layers + 1))


@cache
def _layer_mean_function() -> Any:
    """The autograd function of :func:`propagate_differentiable` (built on first use: importing needs no torch)."""
    import torch

    class LayerMean(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, layer0: torch.Tensor, adjacency: torch.Tensor, layers: int) -> torch.Tensor:
            ctx.adjacency, ctx.layers = adjacency, layers
            return _layer_mean(adjacency, layer0.detach(), layers)

        @staticmethod
        def backward(ctx: Any, gradient: torch.Tensor) -> tuple[torch.Tensor, None, None]:
            return _layer_mean(ctx.adjacency, gradient, ctx.layers), None, None

    return LayerMean


def propagate_differentiable(adjacency: torch.Tensor, layer0: torch.Tensor, layers: int) -> torch.Tensor:
    r""":math:`M E^{(0)}`, differentiable in ``layer0``.

    :math:`\hat A` is symmetric, hence so is :math:`M`, and the gradient is the same propagation applied to the
    incoming gradient: ``K`` sparse CSR products backwards (autograd would use transposed products, several
    times slower on the CPU).
    """
    result: torch.Tensor = _layer_mean_function().apply(layer0, adjacency, layers)
    return result


@contextmanager
def torch_threads(requested: int) -> Iterator[None]:
    """Run the block with ``requested`` torch intra-op threads (capped at the cores); restore the old count."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(capped_threads(requested))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def propagate(train: InteractionMatrix, layer0: npt.ArrayLike, layers: int, threads: int = 2) -> FloatMatrix:
    """Final LightGCN embeddings (layer mean) of all ``n_users + n_items`` nodes from layer-0 ``layer0``.

    ``layer0`` has one row per node (users first, then items), as :func:`normalized_adjacency` numbers them.
    """
    require_torch()
    import torch

    check_int("propagate", "layers", layers, 0)
    adjacency = normalized_adjacency(train)
    initial = np.ascontiguousarray(layer0, dtype=np.float32)
    if initial.ndim != 2 or initial.shape[0] != adjacency.shape[0]:
        raise EvaluationError(
            f"propagate: layer0 must have one row per node ({adjacency.shape[0]} = users + items), "
            f"got shape {initial.shape}"
        )
    with torch_threads(threads), torch.no_grad():
        final = propagate_differentiable(torch_sparse(adjacency), torch.from_numpy(initial), layers)
    return np.ascontiguousarray(final.numpy(), dtype=np.float32)
