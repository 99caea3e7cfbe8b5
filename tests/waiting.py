"""Asking a server for a slow result until it is ready: only a 503 with ``Retry-After`` (the API's
documented "still computing") is asked again; any other answer goes back to the test at once.

A cold start computes the outlook, the backtest and the NumPyro fit: minutes on a loaded 2-core
machine. A wait ends as soon as the answer is ready, so a long one costs nothing when it is quick.
"""

from __future__ import annotations

import time

READY_WITHIN_S = 2400  # a cold backtest runs 43 level fits, some of them twice (fits that fail are run longer)


def when_ready(client, url: str):
    """GET ``url``, asking again only while the server says it is still computing."""
    deadline = time.monotonic() + READY_WITHIN_S
    while True:
        r = client.get(url)
        if r.status_code != 503:
            return r
        assert "Retry-After" in r.headers and "being computed" in r.json()["detail"], r.text
        assert time.monotonic() < deadline, f"{url} still computing after {READY_WITHIN_S} s"
        time.sleep(float(r.headers["Retry-After"]))


def findings_when_complete(client) -> dict:
    """The findings once every one is computed (a failed one fails the test)."""
    deadline = time.monotonic() + READY_WITHIN_S
    while True:
        r = client.get("/api/v1/findings")
        assert r.status_code == 200, r.text
        body = r.json()
        assert not [f for f in body["findings"] if f["status"] == "failed"], body
        if body["complete"]:
            return body
        assert time.monotonic() < deadline, body
        time.sleep(body["retry_after"])


def every_slow_result(client) -> None:
    """Wait until the findings and every slow chart's result are computed."""
    findings_when_complete(client)
    when_ready(client, "/api/v1/charts/forecast_pit.csv")  # the backtest, which no finding needs
