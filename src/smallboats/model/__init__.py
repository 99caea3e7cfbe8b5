"""The simulator: Channel crossings and the UK-France scheme as a Monte Carlo model with a compiled day loop.

The engine does no I/O and never reads the store: fitted values arrive inside a :class:`Scenario`.
"""

from smallboats.model.engine import STEP_ORDER, max_runs, simulate
from smallboats.model.params import Scenario
from smallboats.model.results import Results

__all__ = ["STEP_ORDER", "Results", "Scenario", "max_runs", "simulate"]
