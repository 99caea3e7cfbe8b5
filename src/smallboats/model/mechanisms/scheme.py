"""The scheme: screening, selection under the weekly quota, detention, casework, re-crossing, admissions."""

from __future__ import annotations

import numpy as np

from smallboats.model.mechanisms import Mechanism
from smallboats.model.params import ConditionalQuota, FixedQuota, PathQuota, RampQuota, SteppedQuota
from smallboats.model.state import RING, Sim


def quota_by_day(sim: Sim) -> np.ndarray:
    """The weekly quota in force each day (the starting value for a conditional schedule)."""
    s = sim.scenario.scheme
    q = s.quota
    weeks = np.array([(d - s.in_force).days // 7 for d in sim.dates])
    if isinstance(q, FixedQuota):
        out = np.full(sim.days, q.per_week, dtype=float)
    elif isinstance(q, SteppedQuota):
        out = np.zeros(sim.days)
        for start, value in sorted(q.steps):
            out[[d >= start for d in sim.dates]] = value
    elif isinstance(q, RampQuota):
        frac = np.clip(weeks / q.ramp_weeks, 0, 1)
        out = q.start_per_week + (q.end_per_week - q.start_per_week) * frac
    elif isinstance(q, PathQuota):
        path = np.asarray(q.per_week, dtype=float)
        out = path[np.clip(weeks, 0, len(path) - 1)]
    elif isinstance(q, ConditionalQuota):
        out = np.full(sim.days, q.start_per_week, dtype=float)
    else:  # pragma: no cover - the schema admits no other kind
        raise TypeError(type(q))
    active = np.array([s.in_force <= d and (s.end is None or d <= s.end) for d in sim.dates]) & sim.scheme_on
    return np.where(active, out, 0.0)


class Screening(Mechanism):
    """Arrivals while the scheme is in force, less the exempt; under 'by-nationality', only the groups France takes."""

    def init(self, sim: Sim) -> None:
        s = sim.scenario.scheme
        self.active = np.array([s.in_force <= d and (s.end is None or d <= s.end) for d in sim.dates]) & sim.scheme_on

    def step(self, sim: Sim, t: int) -> None:
        if not self.active[t]:
            sim.today["new_eligible"] = sim.zeros()
            return
        el = sim.streams.binomial("screening", sim.today["new_arrivals"], 1 - sim.p("scheme.p_exempt"))
        if sim.scenario.scheme.selection == "by-nationality":
            el = sim.streams.binomial("screening", el, sim.p("scheme.nationality_share"))
        sim.today["new_eligible"] = el


class Selection(Mechanism):
    """Select up to the week's quota by the scenario's rule, within free detention places."""

    def init(self, sim: Sim) -> None:
        s = sim.scenario.scheme
        self.rule = s.selection
        self.base_quota = quota_by_day(sim)
        self.week = np.array([(d - s.in_force).days // 7 for d in sim.dates])
        self.used = np.zeros(sim.runs)
        self.quota = np.zeros(sim.runs)
        self.ewma_eligible = np.zeros(sim.runs)
        self.conditional = s.quota if isinstance(s.quota, ConditionalQuota) else None
        self.extra = np.zeros(sim.runs)  # raises earned under a conditional schedule
        self.met_weeks = np.zeros(sim.runs)
        self.places = s.detention_places

    def _new_week(self) -> None:
        c = self.conditional
        if c is not None:
            met = self.used >= self.quota - 1e-9
            self.met_weeks = np.where(met & (self.quota > 0), self.met_weeks + 1, 0)
            raise_now = self.met_weeks >= c.weeks
            self.extra = np.where(raise_now, self.extra + c.step, self.extra)
            self.met_weeks = np.where(raise_now, 0, self.met_weeks)
        self.used[:] = 0

    def step(self, sim: Sim, t: int) -> None:
        if t == 0 or self.week[t] != self.week[t - 1]:
            self._new_week()
        base = self.base_quota[t] * sim.p("scheme.rel_quota")
        quota = np.minimum(base + self.extra, self.conditional.max_per_week) if self.conditional else base
        quota = np.where(self.base_quota[t] > 0, quota, 0.0)
        self.quota = quota
        sim.today["quota_week"] = quota
        eligible = sim.today["new_eligible"]
        self.ewma_eligible += (eligible - self.ewma_eligible) / 28
        remaining = np.maximum(quota - self.used, 0)
        if self.rule == "random":
            p = np.clip(quota / np.maximum(self.ewma_eligible * 7, 1.0), 0, 1)
            chosen = sim.streams.binomial("selection", eligible, np.where(quota > 0, p, 0.0))
        elif self.rule == "by-boat":
            ppb = sim.today["ppb"]
            chosen = np.floor(np.floor(remaining / ppb) * ppb)
        else:  # first-come, and first-come within the accepted groups
            chosen = eligible
        free = np.maximum(self.places - sim.state.get("n_detained", 0), 0)
        selected = np.minimum(np.minimum(np.minimum(chosen, eligible), np.floor(remaining)), free).astype(np.int64)
        self.used += selected
        sim.today["new_selected"] = selected


class Casework(Mechanism):
    """Each selected case is processed, may fail, may be challenged, and is returned, released or lapses.

    A case fails administratively (released after processing), is returned after processing, or is
    challenged; a challenge that succeeds releases the person, one that fails delays the return. The
    extra delay is exponential with the run's mean, drawn once per run and day (cases selected together
    share it). A case unresolved at the time limit (three months from arrival) lapses and the person
    stays. No one is returned before the first return date.
    """

    def init(self, sim: Sim) -> None:
        s = sim.scenario.scheme
        p = sim.p
        self.cols = np.arange(sim.runs)
        self.returns = np.zeros((RING, sim.runs), dtype=np.int64)
        self.releases = np.zeros((RING, sim.runs), dtype=np.int64)
        self.lapses = np.zeros((RING, sim.runs), dtype=np.int64)
        self.proc = np.round(p("scheme.dur_process_days")).astype(np.int64)
        self.limit = s.limit_days
        self.first_return = sim.day_index(s.first_return)
        admin, chal, win = p("scheme.p_admin_fail"), p("scheme.p_challenge"), p("scheme.p_challenge_success")
        rest = 1 - admin
        # categories: failed, challenged and won, challenged and lost, not challenged
        self.pvals = np.stack([admin, rest * chal * win, rest * chal * (1 - win), rest * (1 - chal)], axis=1)
        self.pvals /= self.pvals.sum(axis=1, keepdims=True)
        extra = -np.log1p(-sim.streams.uniform("casework", (sim.days,))) * p("scheme.dur_challenge_days")[None, :]
        self.challenge_delay = self.proc[None, :] + np.round(extra).astype(np.int64)
        sim.state["n_detained"] = sim.zeros()

    def _schedule(self, ring: np.ndarray, t: int, delay: np.ndarray, counts: np.ndarray) -> None:
        ring[(t + delay) % RING, self.cols] += counts

    def step(self, sim: Sim, t: int) -> None:
        st = sim.state
        new = sim.today["new_selected"]
        challenged = sim.zeros()
        if new.any():
            failed, won, lost, plain = sim.streams.split("casework", new, self.pvals)
            challenged = won + lost
            limit = self.limit
            ret_plain = np.maximum(t + self.proc, self.first_return) - t
            ret_lost = np.maximum(t + self.challenge_delay[t], self.first_return) - t
            late_plain, late_lost = ret_plain > limit, ret_lost > limit
            won_late = self.challenge_delay[t] > limit
            release_day = np.minimum(self.challenge_delay[t], limit)
            self._schedule(self.releases, t, np.minimum(self.proc, limit), failed)
            self._schedule(self.releases, t, release_day, np.where(won_late, 0, won))
            self._schedule(self.returns, t, np.minimum(ret_plain, limit), np.where(late_plain, 0, plain))
            self._schedule(self.returns, t, np.minimum(ret_lost, limit), np.where(late_lost, 0, lost))
            lapsing = np.where(late_plain, plain, 0) + np.where(late_lost, lost, 0) + np.where(won_late, won, 0)
            self._schedule(self.lapses, t, np.full(sim.runs, limit), lapsing)
        i = t % RING
        returned, released, lapsed = self.returns[i].copy(), self.releases[i].copy(), self.lapses[i].copy()
        self.returns[i] = 0
        self.releases[i] = 0
        self.lapses[i] = 0
        st["n_detained"] = st["n_detained"] + new - returned - released - lapsed
        sim.today.update(new_challenged=challenged, new_returned=returned, new_released=released, new_lapsed=lapsed)


class Recross(Mechanism):
    """Some of those returned cross again: they rejoin the coast stock."""

    def step(self, sim: Sim, t: int) -> None:
        ret = sim.today["new_returned"]
        again = sim.streams.binomial("recross", ret, sim.p("scheme.p_recross")) if ret.any() else sim.zeros()
        sim.state["carry_recrossed"] = again
        sim.today["new_recrossed"] = again


class Admissions(Mechanism):
    """People in France with a UK family link apply, pass checks, wait, and are admitted one for one."""

    def init(self, sim: Sim) -> None:
        s = sim.scenario.scheme
        active = np.array([d >= s.in_force for d in sim.dates]) & sim.scheme_on
        rate = sim.p("scheme.admissions_per_week")[None, :] / 7 * active[:, None]
        self.applied = sim.streams.poisson("admissions", rate)
        self.passed = sim.streams.binomial(
            "admissions", self.applied, np.broadcast_to(sim.p("scheme.p_admission_pass"), self.applied.shape)
        )
        self.delay = np.round(sim.p("scheme.dur_admission_days")).astype(np.int64)
        self.ring = np.zeros((RING, sim.runs), dtype=np.int64)
        self.cols = np.arange(sim.runs)
        self.ready = sim.zeros()
        self.cum_returned = sim.zeros()
        self.cum_admitted = sim.zeros()

    def step(self, sim: Sim, t: int) -> None:
        if self.passed[t].any():
            self.ring[(t + self.delay) % RING, self.cols] += self.passed[t]
        i = t % RING
        self.ready += self.ring[i]
        self.ring[i] = 0
        self.cum_returned += sim.today["new_returned"]
        admit = np.minimum(self.ready, self.cum_returned - self.cum_admitted)
        self.ready -= admit
        self.cum_admitted += admit
        sim.today.update(new_applied=self.applied[t], new_admitted=admit)
