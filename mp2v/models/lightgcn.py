r"""LightGCN (He et al., "LightGCN: Simplifying and Powering Graph Convolution Network for Recommendation", SIGIR 2020).

Users and items are the ``n + m`` nodes of the bipartite interaction graph (binary input: an edge per stored
nonzero). Each node has a free layer-0 embedding :math:`E^{(0)}` of ``dim`` numbers; a layer is the light graph
convolution (no weights, no nonlinearity, no self-loop)

.. math::
    E^{(k+1)} = \hat A E^{(k)}, \qquad
    \hat A = D^{-1/2} \begin{pmatrix} 0 & X \\ X^\top & 0 \end{pmatrix} D^{-1/2}
    \ \ (\hat A_{ui} = 1/\sqrt{d_u d_i}),

the final embedding is the layer mean :math:`E = \tfrac{1}{K+1}\sum_{k=0}^{K} E^{(k)}` and the score of item
``i`` for user ``u`` is :math:`e_u \cdot e_i`. Nodes of degree 0 (a user or an item without a training
interaction) have no edges, so they never propagate.

Training is BPR (Rendle et al. 2009) on the final embeddings with Adam, as in the authors' code: every epoch
visits each training pair :math:`(u, i)` once in a random order, draws one negative :math:`j` uniformly from
the items ``u`` has not interacted with, and minimises per mini-batch :math:`B`

.. math::
    \frac{1}{|B|}\sum_{(u,i,j)\in B} \operatorname{softplus}(e_u \cdot e_j - e_u \cdot e_i)
    + \lambda \, \frac{1}{2|B|}\sum_{(u,i,j)\in B}
      \lVert e^{(0)}_u\rVert^2 + \lVert e^{(0)}_i\rVert^2 + \lVert e^{(0)}_j\rVert^2 ,

the propagation being recomputed over the whole graph for every mini-batch (sparse ``torch`` products).
Negatives are drawn from the *catalogue*, the items with at least one training interaction: a cold item scores
``-inf`` anyway and its embedding never propagates, so sampling it would only spend updates on noise.

Randomness comes from one ``numpy.random.Generator`` seeded with ``seed`` (layer-0 initialisation,
:math:`\mathcal N(0, 0.1^2)` as in the authors' code, the epoch order and the negatives); ``torch``'s global
random state is neither used nor changed. ``torch`` runs on the CPU with ``threads`` intra-op threads (capped at
the cores this process may use), set for the duration of a fit and restored afterwards. The same seed, data and
thread count give bit-identical embeddings: batch rows are gathered with ``index_select``, whose backward
accumulates in a fixed order (plain indexing's backward adds with atomics when threaded). On a machine busier
than its cores, 2 OpenMP threads can be several times slower than 1 (``docs/lightgcn.md``); set ``threads=1``
there.

``torch`` is the optional extra ``gnn`` (``pip install 'mp2v[gnn]'``). This module imports without it;
constructing or fitting :class:`LightGCN` (or calling
:func:`~mp2v.models.graph_convolution.propagate`) then raises :class:`ConfigError`.
:func:`torch_available` tells beforehand, without importing ``torch``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Self

import numpy as np
import numpy.typing as npt

from mp2v.errors import EvaluationError
from mp2v.models.base import BaseRecommender, InputTransform, check_float, check_int
from mp2v.models.graph_convolution import (
    normalized_adjacency,
    propagate_differentiable,
    require_torch,
    torch_sparse,
    torch_threads,
)
from mp2v.types import FloatMatrix, IndexArray, InteractionMatrix

if TYPE_CHECKING:
    import torch

#: Standard deviation of the normal layer-0 initialisation (the authors' code uses 0.1).
INIT_STD = 0.1


@dataclass(frozen=True)
class LightGCNParams:
    r"""LightGCN hyperparameters.

    ``dim``: embedding size; ``layers``: propagation depth K (0 gives plain BPR matrix factorisation);
    ``l2``: the :math:`\lambda` of the batch L2 term on layer-0 embeddings; ``epochs``: passes over the training
    pairs; ``threads``: torch intra-op threads (capped at the available cores).

    The defaults are the best of a grid on Last.fm (dim 64/128 x layers 2/3 x l2 1e-4/1e-3, epochs chosen on
    validation; ``docs/lightgcn.md``): validation recall@20 0.270, NDCG@20 0.257, about two minutes on two cores.
    ``learning_rate`` is 5e-3, not the paper's 1e-3: with dim 64, 3 layers, l2 1e-4, 1e-3 had reached recall@20
    0.259 after 300 epochs and was still climbing, while 5e-3 peaked at 0.265 after 130.
    """

    dim: int = 128
    layers: int = 2
    learning_rate: float = 5e-3
    l2: float = 1e-3
    epochs: int = 160
    batch_size: int = 2048
    seed: int = 0
    threads: int = 2

    def __post_init__(self) -> None:
        check_int("LightGCNParams", "dim", self.dim, 1)
        check_int("LightGCNParams", "layers", self.layers, 0)
        check_float("LightGCNParams", "learning_rate", self.learning_rate, 0.0, strict=True)
        check_float("LightGCNParams", "l2", self.l2, 0.0)
        check_int("LightGCNParams", "epochs", self.epochs, 1)
        check_int("LightGCNParams", "batch_size", self.batch_size, 1)
        check_int("LightGCNParams", "seed", self.seed, 0)
        check_int("LightGCNParams", "threads", self.threads, 1)


# ----------------------------------------------------------------------------------------- sampling
class NegativeSampler:
    """Uniform negatives from ``catalogue`` minus each user's positives, by vectorised rejection sampling.

    Rejection is cheap while users have interacted with a small share of the catalogue (Last.fm: at most 50 of
    ~13 k); a user who has interacted with every catalogue item has no negative and must not be asked for one.
    """

    def __init__(self, binary: InteractionMatrix, catalogue: IndexArray) -> None:
        self.n_items = int(binary.shape[1])
        rows = np.repeat(np.arange(binary.shape[0], dtype=np.int64), np.diff(binary.indptr))
        self._keys = np.sort(rows * self.n_items + binary.indices.astype(np.int64))
        self.catalogue = np.asarray(catalogue, dtype=np.int64)

    def is_positive(self, users: IndexArray, items: IndexArray) -> npt.NDArray[np.bool_]:
        keys = users * self.n_items + items
        where = np.searchsorted(self._keys, keys)
        found = np.zeros(keys.shape, dtype=bool)
        inside = where < self._keys.size
        found[inside] = self._keys[where[inside]] == keys[inside]
        return found

    def sample(self, users: IndexArray, rng: np.random.Generator) -> IndexArray:
        negatives = self.catalogue[rng.integers(0, self.catalogue.size, size=users.size)]
        pending = np.flatnonzero(self.is_positive(users, negatives))
        while pending.size:
            negatives[pending] = self.catalogue[rng.integers(0, self.catalogue.size, size=pending.size)]
            pending = pending[self.is_positive(users[pending], negatives[pending])]
        return negatives


@dataclass
class _TrainingState:
    """What training needs between epochs (kept after ``fit`` so :meth:`LightGCN.continue_training` can resume)."""

    adjacency: torch.Tensor
    weights: torch.Tensor  # layer-0 embeddings, users then items, requires grad
    optimizer: torch.optim.Optimizer
    rng: np.random.Generator
    sampler: NegativeSampler
    pair_users: IndexArray
    pair_items: IndexArray
    n_users: int


# ----------------------------------------------------------------------------------------- model
class LightGCN(BaseRecommender):
    """LightGCN trained with BPR + Adam on the CPU; see the module docstring. Needs the ``gnn`` extra (torch)."""

    name = "lightgcn"
    params_class: ClassVar[type[LightGCNParams]] = LightGCNParams

    def __init__(self, params: LightGCNParams | None = None) -> None:
        require_torch()
        super().__init__()
        self.params = params if params is not None else LightGCNParams()
        #: Final (layer-mean) embeddings, float32; ``score`` is ``user_embeddings[u] @ item_embeddings.T``.
        self.user_embeddings: FloatMatrix = np.zeros((0, 0), dtype=np.float32)
        self.item_embeddings: FloatMatrix = np.zeros((0, 0), dtype=np.float32)
        #: Layer-0 (trained) embeddings, float32.
        self.base_user_embeddings: FloatMatrix = np.zeros((0, 0), dtype=np.float32)
        self.base_item_embeddings: FloatMatrix = np.zeros((0, 0), dtype=np.float32)
        #: Mean BPR loss (without the L2 term) of each epoch trained so far.
        self.epoch_losses: list[float] = []
        self._state: _TrainingState | None = None

    @property
    def epochs_trained(self) -> int:
        return len(self.epoch_losses)

    def _fit(self, train: InteractionMatrix) -> None:
        require_torch()
        import torch

        self._state = None
        self.epoch_losses = []
        binary = InputTransform("binary").apply(train)
        n_users, n_items = binary.shape
        catalogue = np.flatnonzero(self.item_is_trained).astype(np.int64)
        degrees = np.diff(binary.indptr)
        # A user with every catalogue item has no negative to sample: their pairs cannot enter BPR.
        trainable = np.repeat(degrees < catalogue.size, degrees)
        if not trainable.any():
            raise EvaluationError(
                "LightGCN: every user has interacted with every trained item, so BPR has no negative to sample; "
                "the data need items some users have not seen"
            )
        rng = np.random.default_rng(self.params.seed)
        initial = rng.normal(0.0, INIT_STD, size=(n_users + n_items, self.params.dim)).astype(np.float32)
        weights = torch.from_numpy(initial).requires_grad_(True)
        all_users = np.repeat(np.arange(n_users, dtype=np.int64), degrees)
        self._state = _TrainingState(
            adjacency=torch_sparse(normalized_adjacency(binary)),
            weights=weights,
            optimizer=torch.optim.Adam([weights], lr=self.params.learning_rate, fused=True),  # one pass per step
            rng=rng,
            sampler=NegativeSampler(binary, catalogue),
            pair_users=all_users[trainable],
            pair_items=binary.indices.astype(np.int64)[trainable],
            n_users=n_users,
        )
        self._train_epochs(self.params.epochs)

    def continue_training(self, epochs: int) -> Self:
        """Train ``epochs`` more epochs from where the last one stopped (same optimizer and random stream).

        ``fit`` with ``epochs=a`` then ``continue_training(b)`` gives the same model as ``fit`` with ``a + b``;
        this is how the number of epochs is chosen on validation data without refitting from scratch.
        """
        _ = self.train_matrix  # EvaluationError before fit
        check_int("LightGCN.continue_training", "epochs", epochs, 1)
        self._train_epochs(epochs)
        return self

    def _train_epochs(self, epochs: int) -> None:
        import torch

        state = self._state
        if state is None:
            raise EvaluationError("LightGCN: call fit(train) before continue_training")
        n_users, batch_size = state.n_users, self.params.batch_size
        with torch_threads(self.params.threads):
            for _ in range(epochs):
                order = state.rng.permutation(state.pair_users.size)
                users = state.pair_users[order]
                positive_nodes = state.pair_items[order] + n_users
                negative_nodes = state.sampler.sample(users, state.rng) + n_users
                total_loss = 0.0
                for start in range(0, users.size, batch_size):
                    batch = slice(start, start + batch_size)
                    nodes = np.concatenate((users[batch], positive_nodes[batch], negative_nodes[batch]))
                    total_loss += self._step(state, torch.from_numpy(nodes)) * (nodes.size // 3)
                self.epoch_losses.append(total_loss / users.size)
            with torch.no_grad():
                final = propagate_differentiable(state.adjacency, state.weights, self.params.layers)
                layer0 = state.weights.detach()
        self.user_embeddings = np.ascontiguousarray(final[:n_users].numpy(), dtype=np.float32)
        self.item_embeddings = np.ascontiguousarray(final[n_users:].numpy(), dtype=np.float32)
        self.base_user_embeddings = np.array(layer0[:n_users].numpy(), dtype=np.float32)
        self.base_item_embeddings = np.array(layer0[n_users:].numpy(), dtype=np.float32)

    def _step(self, state: _TrainingState, nodes: torch.Tensor) -> float:
        """One Adam step on a batch given as node rows ``[users | positive items | negative items]``; its BPR loss."""
        import torch.nn.functional as functional

        size = nodes.shape[0] // 3
        final = propagate_differentiable(state.adjacency, state.weights, self.params.layers)
        user_vectors, positive_vectors, negative_vectors = final.index_select(0, nodes).split(size)
        positive_scores = (user_vectors * positive_vectors).sum(dim=1)
        negative_scores = (user_vectors * negative_vectors).sum(dim=1)
        bpr = functional.softplus(negative_scores - positive_scores).mean()
        regulariser = state.weights.index_select(0, nodes).square().sum() / (2.0 * size)
        loss = bpr + self.params.l2 * regulariser
        state.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        state.optimizer.step()
        return float(bpr.detach())

    def _score(self, users: IndexArray) -> npt.NDArray[np.float32]:
        return self.user_embeddings[users] @ self.item_embeddings.T
