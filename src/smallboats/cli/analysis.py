"""`smallboats calibrate | forecast | backtest | evaluate-pilot`."""

from __future__ import annotations

from typing import Annotated

import typer

from smallboats.cli.common import AsOfOpt, FormatOpt, SeedOpt, StoreOpt, open_store, parse_date, progress, runs_opt
from smallboats.cli.output import Format, emit, emit_object, err_console


def calibrate(
    until: Annotated[str | None, typer.Option(help="Last day of data used (default: the newest).")] = None,
    name: Annotated[str | None, typer.Option(help="Save the fit under this name (default fit-UNTIL).")] = None,
    years: Annotated[int, typer.Option(min=1, max=8, help="Years of data in the window.")] = 3,
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
        fit = fit_from_store(st, until=day, as_of=as_of_release, years=years)
        path = save_fit(st, fit, name or f"fit-{fit['fit']['until']}")
    flat = dict(fit["fit"])
    for k in ("inflow_per_day", "people_per_boat", "ppb_growth_per_year", "p_prevent"):
        flat[k] = f"{fit[k]['low']:g} to {fit[k]['high']:g}"
    if format == Format.json:
        emit_object(fit | {"saved_as": str(path)}, format)
    else:
        emit_object(flat, format, title="Fitted no-scheme world")
    err_console.print(f'Saved as {path.stem} ({path}); use it with baseline = "{path.stem}" in a scenario file')


def forecast(
    from_: Annotated[str | None, typer.Option("--from", help="Forecast origin (default: the newest day).")] = None,
    weeks: Annotated[int, typer.Option(min=1, max=52, help="Weeks ahead (1 to 52).")] = 13,
    runs: runs_opt("Runs.", 20_000) = 1000,
    seed: SeedOpt = 7,
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Weekly arrivals (and boats) for the weeks after a date: median and 50/80/95% intervals.

    Weeks are seven-day blocks from the day after the origin.

    Example: smallboats forecast --from 2025-12-31 --weeks 13 --format json
    """
    from smallboats.analysis.forecast import check_origin, model_samples, summarise

    with open_store(store) as st:
        daily = st.daily(as_of=as_of_release)
        weekly = st.observations(["sb_week_people", "sb_week_prevented_people"], as_of=as_of_release)
    origin = parse_date(from_, "--from") if from_ else daily.date.max().date()
    check_origin(daily, origin)
    with progress() as bar:
        bar.add_task(f"Forecasting {weeks} weeks from {origin}", total=None)
        people = summarise(model_samples(daily, weekly, origin, weeks, runs=runs, seed=seed))
    cols = ["week_start", "median", "p05", "p10", "p25", "p75", "p90", "p95", "p025", "p975"]
    out = people[cols]
    actual_end = daily.date.max().date()
    emit(
        out,
        format,
        title=f"Weekly arrivals after {origin} (no-scheme model, {runs:,} runs, seed {seed}); data to {actual_end}",
    )


def backtest(
    runs: runs_opt("Model runs per origin.", 20_000) = 500,
    seed: SeedOpt = 7,
    summary: Annotated[bool, typer.Option(help="Also print the mean scores by horizon and method.")] = True,
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Score the model against seasonal naive, the mean of 4 weeks, AutoETS and AutoARIMA.

    Rolling origins at the end of 2022, 2023, 2024 and 2025; horizons 4, 13 and 26 weeks; MAE,
    CRPS and the coverage of the 50/80/95% intervals on weekly totals.

    Example: smallboats backtest --format json
    """
    from smallboats.analysis.forecast import backtest as run_backtest
    from smallboats.analysis.forecast import backtest_summary

    with open_store(store) as st:
        daily = st.daily(as_of=as_of_release)
        weekly = st.observations(["sb_week_people", "sb_week_prevented_people"], as_of=as_of_release)
    with progress() as bar:
        task = bar.add_task("Backtesting", total=4)
        table = run_backtest(daily, weekly, runs=runs, seed=seed, on_step=lambda o: bar.update(task, advance=1))
    emit(table, format, title="Backtest: one row per origin, horizon and method")
    if summary and format == Format.table:
        emit(backtest_summary(table), format, title="Mean over origins")


def evaluate_pilot(
    runs: runs_opt("Runs per deterrence assumption.", 20_000) = 500,
    seed: SeedOpt = 7,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Did the pilot work? The `actual` scenario against no scheme, under each deterrence assumption.

    Example: smallboats evaluate-pilot --format json
    """
    import pandas as pd

    from smallboats.analysis.forecast import evaluate_pilot as run

    with open_store(store) as st, progress() as bar:
        task = bar.add_task("Evaluating the pilot", total=4)
        res = run(st, runs=runs, seed=seed, on_step=lambda f: bar.update(task, advance=1))
    rows = [
        {
            "assumption": r["assumption"],
            "model arrivals (median)": r["scenario_arrivals"]["median"],
            "95% range": f"{r['scenario_arrivals']['p025']:,.0f} to {r['scenario_arrivals']['p975']:,.0f}",
            "effect (median)": r["effect"]["median"],
            "share of change explained (%)": r["share_of_change_explained_pct"],
            "ruled out by the data": r["ruled_out_at_95pct"],
        }
        for r in res["assumptions"]
    ]
    emit(
        pd.DataFrame(rows),
        format,
        title=f"The pilot, {res['start']} to {res['end']}: observed {res['observed_arrivals']:,.0f} arrivals",
        payload=res,
    )
    if format == Format.table:
        emit(
            pd.DataFrame(res["monthly_returns_and_admissions"]),
            format,
            title="Returns and admissions: the model (no deterrence) beside the published figures",
        )
