"""The model's mechanisms, one small class each, with a fixed life cycle: ``init`` then ``step``."""

from __future__ import annotations


class Mechanism:
    """The life cycle every mechanism follows (the engine calls these; subclasses override them).

    ``init(sim)`` runs once before the first day: draw what does not depend on the state, set up
    stocks. ``step(sim, t)`` runs once a day, in the engine's ``STEP_ORDER``: read ``sim.state`` and
    ``sim.today``, draw only from the mechanism's own random stream, write today's flows.
    """

    def init(self, sim) -> None:
        """Prepare before day 0."""

    def step(self, sim, t: int) -> None:
        """Advance one day."""
