"""Random streams: common random numbers, identical however runs are split.

Every run has one generator per named stream (:data:`STREAMS`), seeded from the scenario seed, the
stream and the run's number (see :mod:`smallboats.model.kernel`). A mechanism draws only from its
own stream, so a scheme run and its no-scheme counterfactual share every draw the scheme does not
touch, and run ``i`` of seed ``s`` gives the same numbers whichever chunk, worker or ensemble size
it is computed in. Runs are numbered from ``first_block * BLOCK``: chunks of a sweep are whole blocks.
"""

from __future__ import annotations

import numpy as np

from smallboats.model import kernel

BLOCK = 250
STREAMS = kernel.STREAMS


def n_blocks(runs: int) -> int:
    """Blocks needed for ``runs`` runs."""
    return -(-runs // BLOCK)


def streams(seed: int, first_block: int, runs: int) -> np.ndarray:
    """The generators' states for ``runs`` runs starting at run ``first_block * BLOCK``: (runs, streams, 4)."""
    key = np.random.SeedSequence(seed).generate_state(1, np.uint64)[0]
    states = np.zeros((runs, len(STREAMS), 4), dtype=np.uint64)
    kernel.seed_streams(states, np.uint64(key), first_block * BLOCK)
    return states


def uniforms(states: np.ndarray, stream: str, count: int) -> np.ndarray:
    """``count`` uniform draws from ``stream`` of every run: shape (count, runs)."""
    out = np.zeros((count, states.shape[0]))
    kernel.uniforms(states, STREAMS.index(stream), count, out)
    return out
