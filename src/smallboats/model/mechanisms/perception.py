"""Perceived risk of return and the deterrence response of the inflow to the coast.

Perceived risk is the share of recent arrivals returned (exponentially smoothed returns over
smoothed arrivals), seen after an information lag. The inflow is multiplied by ``m(risk)``; the form
of ``m`` is drawn in each run under ``mixture``:

* none: ``m = 1``
* linear: ``m = max(0, 1 - slope * risk)``
* elasticity: ``m = ((base + risk) / base) ** elasticity`` with elasticity in [-0.5, 0]
* threshold: a logistic drop of up to ``drop`` once risk passes ``p*`` (0 at zero risk)

A short announcement effect multiplies the inflow by ``1 - announcement_drop`` for its duration.
"""

from __future__ import annotations

import numpy as np

from smallboats.model.mechanisms import Mechanism
from smallboats.model.state import RING, Sim

FORMS = ("none", "linear", "elasticity", "threshold")


def response(form: np.ndarray, risk: np.ndarray, pr: dict[str, np.ndarray], width: float) -> np.ndarray:
    """The inflow multiplier ``m(risk)`` for each run's form (vectorised across runs)."""
    lin = np.maximum(0.0, 1 - pr["deterrence.linear_slope"] * risk)
    base = pr["deterrence.base_risk"]
    ela = ((base + risk) / base) ** pr["deterrence.elasticity"]
    p_star, drop = pr["deterrence.threshold"], pr["deterrence.threshold_drop"]

    def sig(x):
        return 1 / (1 + np.exp(-(x - p_star) / width))

    s0 = sig(0.0)
    thr = 1 - drop * np.clip((sig(risk) - s0) / (1 - s0), 0, 1)
    return np.select([form == 0, form == 1, form == 2], [np.ones_like(risk), lin, ela], thr)


class Perception(Mechanism):
    """Updates the smoothed risk, reads it after the lag, and sets today's inflow multiplier."""

    def init(self, sim: Sim) -> None:
        d = sim.scenario.deterrence
        self.alpha = 1 - 0.5 ** (1 / sim.p("deterrence.halflife_days"))
        self.lag = np.round(sim.p("deterrence.lag_days")).astype(np.int64)
        self.hist = np.zeros((RING, sim.runs))
        self.cols = np.arange(sim.runs)
        self.ewma_ret = np.zeros(sim.runs)
        self.ewma_arr = np.zeros(sim.runs)
        if d.form == "mixture":
            self.form = sim.p("deterrence.form_index")
        else:
            self.form = np.full(sim.runs, FORMS.index(d.form))
        self.width = d.threshold_width
        self.announced = sim.day_index(d.announced)
        self.ann_days = sim.p("deterrence.announcement_days")
        sim.state["prev_returned"] = sim.zeros()
        sim.state["prev_arrivals"] = sim.zeros()

    def step(self, sim: Sim, t: int) -> None:
        st = sim.state
        self.ewma_ret += self.alpha * (st["prev_returned"] - self.ewma_ret)
        self.ewma_arr += self.alpha * (st["prev_arrivals"] - self.ewma_arr)
        ratio = np.divide(self.ewma_ret, self.ewma_arr, out=np.zeros(sim.runs), where=self.ewma_arr > 1e-9)
        self.hist[t % RING] = np.minimum(ratio, 1.0)
        seen = self.hist[(t - self.lag) % RING, self.cols]
        risk = np.where(t >= self.lag, seen, 0.0)
        sim.today["p_perceived_risk"] = risk
        if not sim.scheme_on:
            return
        m = response(self.form, risk, sim.priors, self.width)
        since = t - self.announced
        in_effect = (since >= 0) & (since < self.ann_days)
        m = np.where(in_effect, m * (1 - sim.p("deterrence.announcement_drop")), m)
        sim.today["rel_inflow"] = np.clip(m, 0, 1)
