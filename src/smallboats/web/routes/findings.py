"""The answer first: the findings the dashboard opens with, the same the report opens with.

"Returned so far" comes from the official figures at once. The estimated effect (the NumPyro fit) and
what a larger quota could do (the simulator) come from the report's cached results; until they are
computed in the background (:mod:`smallboats.web.slow`) each says ``estimating`` and the answer tells
the client when to ask again. This route never waits for a fit.
"""

from __future__ import annotations

from fastapi import APIRouter

from smallboats.analysis import findings as F
from smallboats.analysis.official import OfficialFigures
from smallboats.analysis.report_runs import Job, estimated_pilot_job, outlook_job
from smallboats.errors import SmallboatsError
from smallboats.web.deps import StoreDep
from smallboats.web.models import ERRORS
from smallboats.web.slow import POLL_S, Background, BackgroundDep

router = APIRouter(prefix="/api/v1", tags=["findings"], responses=ERRORS)
ESTIMATING = {
    "effect": "Estimating: the model of the record is fitted once for each data release, then kept.",
    "could": "Simulating: the scenarios are run once for each data release, then kept.",
}
ESTIMATING["cannot_tell"] = ESTIMATING["effect"]


def _peek(background: Background, job: Job) -> tuple[str, object]:
    """``ready`` and the result, ``estimating`` and None, or ``failed`` and the message."""
    fut = background.future(job)
    if not fut.done():
        return "estimating", None
    err = fut.exception()
    if err is None:
        return "ready", fut.result()
    return "failed", str(err) if isinstance(err, SmallboatsError) else "the computation failed; the server log says why"


def current_findings(store, background: Background) -> dict:
    """Every finding: ready ones worded from results, the others with their status."""
    fig = OfficialFigures(store)
    est, out = _peek(background, estimated_pilot_job(fig)), _peek(background, outlook_job(fig))
    makers = {
        "returned": (("ready", None), lambda _: F.returned_so_far(fig)),
        "effect": (est, lambda r: F.estimated_effect(r, fig)),
        "could": (out, lambda r: F.larger_quota(r, fig)),
        "cannot_tell": (est, lambda r: F.cannot_tell(r, fig)),
    }
    items = []
    for key, ((status, value), make) in makers.items():
        if status == "ready":
            items.append(make(value).to_dict() | {"status": "ready"})
        else:
            detail = ESTIMATING[key] if status == "estimating" else f"Could not compute this: {value}"
            items.append({"id": key, "label": F.LABELS[key], "status": status, "detail": detail})
    return {
        "findings": items,
        "complete": all(i["status"] != "estimating" for i in items),
        "retry_after": POLL_S,
    }


@router.get("/findings")
def findings(store: StoreDep, background: BackgroundDep) -> dict:
    """The findings, each with its source and date; slow ones say ``estimating`` until computed (ask again)."""
    return current_findings(store, background)
