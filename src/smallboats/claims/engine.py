"""Evaluate claims against the store: recompute each figure, compare, give a verdict and sources."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from smallboats.claims import schema as S
from smallboats.data import queries as q
from smallboats.data.store import ReleaseStore
from smallboats.errors import StoreError, UsageError
from smallboats.formats import figure as fmt

HOLDS, FAILS, CANNOT = "holds", "does-not-hold", "cannot-check"


@dataclass
class Evaluation:
    """A computed figure and the (series, release) pairs it was computed from."""

    value: float
    used: set[tuple[str, str]] = field(default_factory=set)


class Evaluator:
    """Computes expressions against one store, as of one release."""

    def __init__(self, store: ReleaseStore, as_of: str | None = None):
        self.store, self.as_of = store, as_of
        self._daily: pd.DataFrame | None = None
        self._daily_rel: set[tuple[str, str]] = set()

    def daily(self) -> tuple[pd.DataFrame, set]:
        """The daily frame and the releases it came from (read once per evaluator)."""
        if self._daily is None:
            d = q.daily_series(self.store, self.as_of)
            self._daily, self._daily_rel = d.frame, set(d.used)
        return self._daily, self._daily_rel

    def __call__(self, e) -> Evaluation:  # noqa: C901 - one branch a kind reads best
        """Compute one expression of a claims file."""
        k = e.kind
        if k == "constant":
            return Evaluation(e.value)
        if k == "total":
            obs = self.store.observations(e.series, as_of=self.as_of, published_by=e.published_by)
            if obs.empty:
                raise StoreError(f"the store holds no figures of {e.series}")
            t = q.total_over(obs, e.start, e.end)
            return Evaluation(t["total"], {(e.series, r) for r in t["release_ids"]})
        if k in ("so-far", "day", "window", "per-boat", "annual-record", "rank"):
            daily, used = self.daily()
            return Evaluation(self._daily_query(e, daily), set(used))
        if k == "value":
            obs = self.store.observations(e.series, as_of=self.as_of, published_by=e.published_by)
            if obs.empty:
                raise StoreError(f"the store holds no figures of {e.series}")
            row = q.period_value(obs, end=e.end, year=e.year)
            return Evaluation(float(row.value), {(e.series, r) for r in str(row.release_id).split(",")})
        if k == "ratio":
            a, b = self(e.numerator), self(e.denominator)
            if b.value == 0:
                raise StoreError("the denominator is zero")
            return Evaluation(a.value / b.value * (100 if e.percent else 1), a.used | b.used)
        if k == "share":
            a, b = self(e.value), self(e.of)
            return Evaluation(q.share(a.value, e.per, b.value, e.of_per)["ratio"] * 100, a.used | b.used)
        if k in ("sum", "product", "min", "max"):
            parts = [self(t) for t in e.terms]
            vals = [p.value for p in parts]
            f = {"sum": sum, "min": min, "max": max, "product": math.prod}[k]
            return Evaluation(float(f(vals)), set().union(*(p.used for p in parts)))
        if k == "difference":
            a, b = self(e.a), self(e.b)
            return Evaluation(a.value - b.value, a.used | b.used)
        raise UsageError(f"unknown computation {k!r}")

    @staticmethod
    def _daily_query(e, daily: pd.DataFrame) -> float:
        if e.kind == "so-far":
            sf = q.so_far(daily, e.date, first_year=e.since_year)
            if e.statistic == "total":
                return float(sf[e.measure].iloc[-1])
            earlier = sf.iloc[:-1]
            cur = sf[e.measure].iloc[-1]
            if e.statistic == "increase_pct_on":
                row = sf[sf.year == e.against]
                if row.empty or not row[e.measure].iloc[0]:
                    raise StoreError(f"no arrivals to compare with in {e.against} to the same date")
                return float((cur / row[e.measure].iloc[0] - 1) * 100)
            return float(min((cur / v - 1) * 100 for v in earlier[e.measure] if v > 0))
        if e.kind == "rank":
            return float(q.rank_of(daily, e.period, e.at, e.measure, e.among))
        if e.kind == "day":
            return float(q.on_day(daily, e.date)[e.measure])
        if e.kind == "window":
            w = q.window(daily, e.start, e.end)
            if w[e.statistic] is None:
                raise StoreError("no boats in the window")
            return float(w[e.statistic])
        if e.kind == "per-boat":
            pb = q.per_boat_by_month(daily).set_index("month")
            if e.month not in pb.index:
                raise StoreError(f"month {e.month} is outside the daily data")
            v = pb.loc[e.month, "people_per_boat"]
            if e.statistic == "value":
                return float(v)
            before = pb.loc[: e.month].iloc[:-1].people_per_boat.max()
            return float(v - before)
        y = q.annual(daily)
        full = y[y.complete]
        best = full.loc[full[e.measure].idxmax()]
        return float(best[e.measure] if e.statistic == "value" else best.year)


def compare(computed: float, stated: float, comparison: str, tolerance_pct: float) -> bool:
    """Whether the computed figure bears out the stated one."""
    if comparison == "at-least":
        return computed >= stated
    if comparison == "more-than":
        return computed > stated
    if comparison == "less-than":
        return computed < stated
    if comparison == "at-most":
        return computed <= stated
    if comparison == "equals":
        return round(computed, 6) == round(stated, 6)
    return abs(computed - stated) <= abs(stated) * tolerance_pct / 100


COMPARISON_WORDS = {
    "at-least": "at least",
    "more-than": "more than",
    "less-than": "less than",
    "at-most": "at most",
    "equals": "exactly",
    "about": "about",
}


def _describe(check: S.Check) -> str:
    tol = f" (±{check.tolerance_pct:g}%)" if check.comparison == "about" else ""
    return f"{COMPARISON_WORDS[check.comparison]} {fmt(check.stated)}{tol}"


def _check(ev: Evaluator, check: S.Check) -> dict:
    try:
        got = ev(check.compute)
    except StoreError as e:
        return {
            "text": check.text,
            "stated": check.stated,
            "computed": None,
            "verdict": CANNOT,
            "reason": f"cannot compute: {e}",
            "used": set(),
        }
    ok = compare(got.value, check.stated, check.comparison, check.tolerance_pct)
    word = "holds" if ok else "does not hold"
    return {
        "text": check.text,
        "stated": check.stated,
        "computed": round(got.value, 4),
        "verdict": HOLDS if ok else FAILS,
        "reason": f"computed {fmt(got.value)} against {_describe(check)}: {word}",
        "used": got.used,
    }


def evaluate_claim(ev: Evaluator, claim: S.Claim) -> dict:
    """Evaluate one claim and its further checks; the verdict holds only if every check does."""
    parts = [_check(ev, claim)] + [_check(ev, c) for c in claim.also]
    verdicts = [p["verdict"] for p in parts]
    verdict = CANNOT if CANNOT in verdicts else (FAILS if FAILS in verdicts else HOLDS)
    reasons = [p["reason"] if i == 0 else f"{p['text']}: {p['reason']}" for i, p in enumerate(parts)]
    alts = []
    for a in claim.alternatives:
        try:
            v = ev(a.compute).value
            alts.append(
                {
                    "label": a.label,
                    "computed": round(v, 4),
                    "holds": compare(v, claim.stated, claim.comparison, claim.tolerance_pct),
                }
            )
        except StoreError as e:
            alts.append({"label": a.label, "computed": None, "holds": None, "reason": str(e)})
    for a in alts:
        state = "cannot compute" if a["holds"] is None else ("holds" if a["holds"] else "does not hold")
        reasons.append(f"alternative, {a['label']}: {fmt(a['computed'])} ({state})")
    used = set().union(*(p["used"] for p in parts))
    sources = []
    for series_id, rid in sorted(used):
        src = ev.store.source(rid).to_dict()
        sources.append({"series": series_id, "release_id": rid} | src)
    return {
        "id": claim.id,
        "claim": claim.text,
        "date": claim.date.isoformat(),
        "stated": claim.stated,
        "comparison": claim.comparison,
        "computed": parts[0]["computed"],
        "unit": claim.unit,
        "verdict": verdict,
        "reason": "; ".join(reasons),
        "checks": [{k: v for k, v in p.items() if k != "used"} for p in parts],
        "alternatives": alts,
        "note": claim.note,
        "sources": sources,
    }


def check_claims(store: ReleaseStore, claims: S.ClaimsFile, as_of: str | None = None, on_claim=None) -> list[dict]:
    """Evaluate every claim of a file against the store (as of a release, if given).

    Raises:
        StoreError: ``as_of`` names no release held (the message lists them).
    """
    if as_of is not None:
        store.check_release(as_of)
    ev = Evaluator(store, as_of)
    out = []
    for c in claims.claim:
        out.append(evaluate_claim(ev, c))
        if on_claim:
            on_claim(c.id)
    return out
