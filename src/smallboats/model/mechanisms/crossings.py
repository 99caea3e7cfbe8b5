"""Crossings without any scheme: the weather, the coast, launches, prevention and boats."""

from __future__ import annotations

import numpy as np

from smallboats.model.mechanisms import Mechanism
from smallboats.model.state import Sim


def _years_since_start(sim: Sim) -> np.ndarray:
    return np.arange(sim.days) / 365.25


class Weather(Mechanism):
    """Crossable days: a two-state Markov chain whose transition probabilities vary by month."""

    def init(self, sim: Sim) -> None:
        c = sim.scenario.crossings
        months = np.array([d.month - 1 for d in sim.dates])
        self.after_calm = np.asarray(c.p_cross_after_calm)[months]
        self.after_cross = np.asarray(c.p_cross_after_cross)[months]
        self.u = sim.streams.uniform("weather", (sim.days,))
        a, b = self.after_calm[0], self.after_cross[0]
        stationary = a / (1 - b + a) if (1 - b + a) > 0 else 0.5
        sim.state["crossable"] = sim.streams.uniform("weather") < stationary

    def step(self, sim: Sim, t: int) -> None:
        prev = sim.state["crossable"]
        p = np.where(prev, self.after_cross[t], self.after_calm[t])
        sim.state["crossable"] = self.u[t] < p


class Inflow(Mechanism):
    """People reaching the French coast: a Poisson potential inflow, thinned by deterrence.

    The potential inflow is drawn for the whole horizon at the start (it does not depend on the
    state), so a scheme run and its counterfactual share it exactly.
    """

    def init(self, sim: Sim) -> None:
        c = sim.scenario.crossings
        seasonal = np.asarray(c.seasonal, dtype=float)
        months = np.array([d.month - 1 for d in sim.dates])
        weights = np.bincount(months, minlength=12)
        seasonal = seasonal / (np.dot(seasonal, weights) / weights.sum()) if weights.sum() else seasonal
        years = _years_since_start(sim)[:, None]
        lam = (
            sim.p("crossings.inflow_per_day")[None, :]
            * seasonal[months][:, None]
            * (1 + sim.p("crossings.trend_per_year")[None, :]) ** years
        )
        self.potential = sim.streams.poisson("inflow", lam)

    def step(self, sim: Sim, t: int) -> None:
        potential = self.potential[t]
        m = sim.today.get("rel_inflow")
        if m is None:
            put_off = np.zeros_like(potential)
            deflected = put_off
        else:
            share = sim.p("deterrence.deflection_share")
            pvals = np.stack([(1 - m) * (1 - share), (1 - m) * share, m], axis=1)
            deterred, deflected, _ = sim.streams.split("deterrence", potential, pvals / pvals.sum(1, keepdims=True))
            put_off = deterred + deflected
        sim.today.update(
            new_potential=potential,
            new_inflow=potential - put_off,
            new_deflected=deflected,
            new_deterred=put_off - deflected,
        )


class Coast(Mechanism):
    """The stock of people waiting on the coast: inflow, returning prevented and re-crossers, leavers."""

    def init(self, sim: Sim) -> None:
        sim.state["n_coast"] = np.round(sim.p("crossings.inflow_per_day") * 3).astype(np.int64)
        sim.state["carry_prevented"] = sim.zeros()
        sim.state["carry_recrossed"] = sim.zeros()

    def step(self, sim: Sim, t: int) -> None:
        st = sim.state
        left = sim.streams.binomial("coast", st["n_coast"], sim.p("crossings.p_leave_coast"))
        st["n_coast"] = st["n_coast"] - left + sim.today["new_inflow"] + st["carry_prevented"] + st["carry_recrossed"]
        st["carry_prevented"] = sim.zeros()
        st["carry_recrossed"] = sim.zeros()
        sim.today["new_left_coast"] = left


class Launch(Mechanism):
    """On a crossable day a share of the people waiting set off; calm after storms releases pent-up demand."""

    def step(self, sim: Sim, t: int) -> None:
        st = sim.state
        n = np.where(st["crossable"], st["n_coast"], 0)
        attempts = sim.streams.binomial("launch", n, sim.p("crossings.p_launch"))
        st["n_coast"] = st["n_coast"] - attempts
        sim.today["new_launches"] = attempts


class Prevention(Mechanism):
    """French action stops a share of attempts; those stopped return to the coast and try again."""

    def step(self, sim: Sim, t: int) -> None:
        attempts = sim.today["new_launches"]
        prevented = sim.streams.binomial("prevention", attempts, sim.p("crossings.p_prevent"))
        sim.state["carry_prevented"] = prevented
        sim.today.update(new_prevented=prevented, new_arrivals=attempts - prevented)


class Boats(Mechanism):
    """Boats carrying the day's arrivals; people per boat grows over time up to a ceiling."""

    def init(self, sim: Sim) -> None:
        c = sim.scenario.crossings
        years = _years_since_start(sim)[:, None]
        ppb = (
            sim.p("crossings.people_per_boat")[None, :] * (1 + sim.p("crossings.ppb_growth_per_year")[None, :]) ** years
        )
        noise = np.exp(0.15 * sim.streams.normal("boats", (sim.days,)))
        self.ppb = np.clip(ppb * noise, 1, c.ppb_max)

    def step(self, sim: Sim, t: int) -> None:
        arrivals = sim.today["new_arrivals"]
        boats = np.where(arrivals > 0, np.maximum(1, np.round(arrivals / self.ppb[t])), 0).astype(np.int64)
        sim.today["new_boats"] = np.minimum(boats, arrivals)
        sim.today["ppb"] = self.ppb[t]
