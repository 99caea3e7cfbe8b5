"""Random streams: common random numbers, identical however runs are split.

Runs are simulated in blocks of :data:`BLOCK` runs. Block ``b`` of seed ``s`` has its own
``SeedSequence(s, spawn_key=(b,))``, from which one generator per named stream is spawned in the fixed
order of :data:`STREAMS`. A mechanism draws only from its own stream, so a scheme run and its
no-scheme counterfactual share every draw the scheme does not touch (weather, the potential inflow,
the priors), and a block gives the same numbers whichever chunk it is computed in.
"""

from __future__ import annotations

import numpy as np

BLOCK = 250
STREAMS = (
    "priors",
    "weather",
    "inflow",
    "deterrence",
    "coast",
    "launch",
    "prevention",
    "boats",
    "screening",
    "selection",
    "casework",
    "recross",
    "admissions",
)


def n_blocks(runs: int) -> int:
    """Blocks needed for ``runs`` runs."""
    return -(-runs // BLOCK)


class Streams:
    """One generator per (stream, block); draws are made block by block and joined.

    Args:
        seed: the scenario seed.
        first_block: the index of the first block (chunks of a sweep start further on).
        blocks: how many blocks this simulation holds.
    """

    def __init__(self, seed: int, first_block: int, blocks: int):
        self.blocks = blocks
        self.size = blocks * BLOCK
        self.gen: dict[str, list[np.random.Generator]] = {name: [] for name in STREAMS}
        for b in range(first_block, first_block + blocks):
            children = np.random.SeedSequence(seed, spawn_key=(b,)).spawn(len(STREAMS))
            for name, ss in zip(STREAMS, children, strict=True):
                self.gen[name].append(np.random.Generator(np.random.PCG64(ss)))

    def _each(self, stream: str, fn, *arrays, shape_last: bool = True):
        outs = []
        for b, g in enumerate(self.gen[stream]):
            sl = slice(b * BLOCK, (b + 1) * BLOCK)
            outs.append(fn(g, *[a[..., sl] if shape_last else a[sl] for a in arrays]))
        return np.concatenate(outs, axis=-1)

    def uniform(self, stream: str, lead: tuple = ()) -> np.ndarray:
        """Uniform(0, 1) draws of shape ``lead + (runs,)``."""
        return np.concatenate([g.random(lead + (BLOCK,)) for g in self.gen[stream]], axis=-1)

    def normal(self, stream: str, lead: tuple = ()) -> np.ndarray:
        """Standard normal draws of shape ``lead + (runs,)``."""
        return np.concatenate([g.standard_normal(lead + (BLOCK,)) for g in self.gen[stream]], axis=-1)

    def integers(self, stream: str, high: int) -> np.ndarray:
        """Integers in ``[0, high)``, one a run."""
        return np.concatenate([g.integers(0, high, BLOCK) for g in self.gen[stream]])

    def poisson(self, stream: str, lam: np.ndarray) -> np.ndarray:
        """Poisson draws; ``lam`` has the runs on its last axis."""
        return self._each(stream, lambda g, x: g.poisson(x), lam)

    def binomial(self, stream: str, n: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Binomial draws; ``n`` and ``p`` have the runs on their last axis.

        A block with nothing to split (every ``n`` zero) makes no draw; whether it does depends only
        on the block's own earlier draws, so results stay the same however runs are chunked.
        """
        n = np.asarray(n)
        p = np.broadcast_to(np.asarray(p, dtype=float), n.shape)
        out = np.zeros(n.shape, dtype=np.int64)
        for b, g in enumerate(self.gen[stream]):
            sl = (..., slice(b * BLOCK, (b + 1) * BLOCK))
            if n[sl].any():
                out[sl] = g.binomial(n[sl], p[sl])
        return out

    def split(self, stream: str, n: np.ndarray, pvals: np.ndarray) -> np.ndarray:
        """Split each run's count into categories with per-run probabilities ``pvals`` (runs x k).

        Returns shape ``(k, runs)``.
        """
        out = np.zeros((pvals.shape[1], n.shape[0]), dtype=np.int64)
        for b, g in enumerate(self.gen[stream]):
            sl = slice(b * BLOCK, (b + 1) * BLOCK)
            if n[sl].any():
                out[:, sl] = g.multinomial(n[sl], pvals[sl]).T
        return out

    def multinomial(self, stream: str, n: np.ndarray, k: int) -> np.ndarray:
        """Split each run's count into ``k`` equally likely bins: shape ``(k, runs)``."""
        return np.concatenate(
            [g.multinomial(n[b * BLOCK : (b + 1) * BLOCK], [1 / k] * k).T for b, g in enumerate(self.gen[stream])],
            axis=-1,
        )
