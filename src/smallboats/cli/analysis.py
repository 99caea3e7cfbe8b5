"""`smallboats calibrate | forecast | backtest`."""

from __future__ import annotations

from typing import Annotated

import typer

from smallboats.cli.common import (
    AsOfOpt,
    FormatOpt,
    LevelOpt,
    SeedOpt,
    StoreOpt,
    open_store,
    parse_date,
    progress,
    runs_opt,
)
from smallboats.cli.output import Format, emit, emit_object, err_console


def calibrate(
    until: Annotated[str | None, typer.Option(help="Last day of data used (default: the newest).")] = None,
    name: Annotated[str | None, typer.Option(help="Save the fit under this name (default fit-UNTIL).")] = None,
    years: Annotated[int, typer.Option(min=1, max=8, help="Years of data in the window.")] = 3,
    level_prior: LevelOpt = "fitted",
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Fit the no-scheme world to the official series and save it for scenarios to use.

    A scenario file names a saved fit with `baseline = "NAME"`. The method is in docs/methods.md.

    Example: smallboats calibrate --until 2025-08-05
    """
    from smallboats.analysis.calibrate import fit_from_store, save_fit

    day = parse_date(until, "--until") if until else None
    with open_store(store) as st:
        fit = fit_from_store(
            st, until=day, as_of=as_of_release, years=years, level=level_prior, on_fit=err_console.print
        )
        path = save_fit(st, fit, name or f"fit-{fit['fit']['until']}")
    flat = {k: v for k, v in fit["fit"].items() if k != "level_fit"}
    for k in ("inflow_per_day", "level_drift_per_year", "people_per_boat", "ppb_growth_per_year", "p_prevent"):
        flat[k] = _prior_words(fit[k])
    if format == Format.json:
        emit_object(fit | {"saved_as": str(path)}, format)
    else:
        emit_object(flat, format, title="Fitted no-scheme world")
    err_console.print(f'Saved as {path.stem} ({path}); use it with baseline = "{path.stem}" in a scenario file')


def _prior_words(prior: dict) -> str:
    """A prior in words: a range, or a posterior's median and 90% interval."""
    if prior.get("draws"):
        import numpy as np

        lo, mid, hi = np.quantile(prior["draws"], [0.05, 0.5, 0.95])
        return f"{mid:.4g} (posterior; 90% {lo:.4g} to {hi:.4g})"
    return f"{prior['low']:g} to {prior['high']:g}"


def forecast(
    from_: Annotated[
        str | None, typer.Option("--from", help="Forecast origin: a date or 'latest' (default: the newest day).")
    ] = None,
    weeks: Annotated[int, typer.Option(min=1, max=52, help="Weeks ahead (1 to 52).")] = 13,
    runs: runs_opt("Runs.", 20_000) = 1000,
    seed: SeedOpt = 7,
    level_prior: LevelOpt = "fitted",
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Weekly arrivals (and boats) for the weeks after a date: median and 50/80/95% intervals.

    Weeks are seven-day blocks from the day after the origin.

    Example: smallboats forecast --from 2025-12-31 --weeks 13 --format json
    """
    from smallboats.analysis.forecast import forecast_origin, model_samples, summarise

    with open_store(store) as st:
        daily = st.daily(as_of=as_of_release)
        weekly = st.observations(["sb_week_people", "sb_week_prevented_people"], as_of=as_of_release)
    origin = forecast_origin(daily, from_)
    with progress() as bar:
        bar.add_task(f"Forecasting {weeks} weeks from {origin}", total=None)
        samples = model_samples(
            daily, weekly, origin, weeks, runs=runs, seed=seed, level=level_prior, on_fit=bar.console.print
        )
        people = summarise(samples)
    for w in samples.attrs["fit_warnings"]:
        err_console.print(w)
    cols = ["week_start", "median", "p05", "p10", "p25", "p75", "p90", "p95", "p025", "p975"]
    out = people[cols]
    actual_end = daily.date.max().date()
    emit(
        out,
        format,
        title=f"Weekly arrivals after {origin} (no-scheme model, {runs:,} runs, seed {seed}); data to {actual_end}",
    )


def backtest(
    origins: Annotated[
        str, typer.Option(help="monthly (every month-end from December 2022) or yearly (every 31 December).")
    ] = "monthly",
    runs: runs_opt("Model runs per origin.", 20_000) = 500,
    seed: SeedOpt = 7,
    arima: Annotated[bool, typer.Option(help="Include AutoARIMA (most of the run's time).")] = True,
    level_prior: LevelOpt = "fitted",
    detail: Annotated[bool, typer.Option(help="Print every origin x week x method row, not the summary.")] = False,
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Score the model's forecasts against fair baselines, week by week, from many origins.

    Each origin (every month-end from December 2022, or every 31 December) sees only the data up to
    that day. Weeks 1 to 13 and 26 ahead are scored for the model, AutoETS and AutoARIMA (on raw
    weekly counts, with their own intervals), climatology, seasonal naive and the mean of 4 weeks
    (with their measured errors): CRPS, log score, PIT, coverage of the 50/80/95/99% bands and bias.
    The summary groups weeks 1-4 and 5-13 and adds the CRPS difference of each baseline from the
    model with a bootstrap interval.

    Example: smallboats backtest --origins yearly --format json
    """
    import pandas as pd

    from smallboats.analysis.forecast import backtest as run_backtest
    from smallboats.analysis.forecast import backtest_origins, backtest_summary
    from smallboats.analysis.scoring import crps_difference

    with open_store(store) as st:
        daily = st.daily(as_of=as_of_release)
        weekly = st.observations(["sb_week_people", "sb_week_prevented_people"], as_of=as_of_release)
    chosen = backtest_origins(daily, origins)
    with progress() as bar:
        task = bar.add_task(f"Backtesting {len(chosen)} origins", total=len(chosen))
        table = run_backtest(
            daily,
            weekly,
            origins=chosen,
            runs=runs,
            seed=seed,
            arima=arima,
            level=level_prior,
            on_step=lambda o: bar.update(task, advance=1),
            on_fit=bar.console.print,
        )
    for w in table.attrs["fit_warnings"]:
        err_console.print(w)
    if detail:
        emit(table, format, title="Backtest: one row per origin, week ahead and method")
        return
    summary = backtest_summary(table, bands=True)
    diffs = pd.concat([crps_difference(table, (1, 2, 3, 4)), crps_difference(table, (13,))], ignore_index=True)
    title = f"Backtest over {len(chosen)} origins, {chosen[0]} to {chosen[-1]}: mean scores"
    payload = {"summary": summary, "crps_difference": diffs, "origins": chosen}
    emit(summary, format, title=title, payload=payload | {"fit_warnings": table.attrs["fit_warnings"]})
    if format == Format.table:
        emit(diffs, format, title="CRPS of each baseline minus the model's (negative: the baseline is better)")
