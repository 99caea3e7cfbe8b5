"""`smallboats estimate-effect` and `smallboats evaluate-pilot`: the effect estimated, not assumed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smallboats.cli.common import AsOfOpt, FormatOpt, SeedOpt, StoreOpt, open_store, parse_date, progress
from smallboats.cli.output import Format, console, emit, err_console

UntilOpt = Annotated[
    str | None, typer.Option(help="First day evaluated; the fit uses the weeks before it (default: 2025-08-06).")
]
StartOpt = Annotated[str | None, typer.Option(help="First day of the record fitted (default: 2020-01-01).")]
EndOpt = Annotated[str | None, typer.Option(help="Last week-ending date evaluated (default: the last complete week).")]
CovOpt = Annotated[
    str, typer.Option(help="Covariates, comma-separated: prevented (French preventions), weather. Default: none.")
]
WeatherOpt = Annotated[
    Path | None, typer.Option(help="A daily weather CSV (date, wave_height_m, wind_speed_ms) for --covariates weather.")
]
WarmupOpt = Annotated[int, typer.Option(help="NUTS warm-up iterations per chain.")]
SamplesOpt = Annotated[int, typer.Option(help="NUTS draws kept per chain.")]
ChainsOpt = Annotated[int, typer.Option(help="NUTS chains.")]
CacheOpt = Annotated[bool, typer.Option(help="Reuse a cached fit of the same data and options ($SMALLBOATS_CACHE).")]
FrequencyOpt = Annotated[
    str,
    typer.Option(
        help="Fit the Bayesian model to weekly counts (week) or daily counts with a latent share of closed days "
        "(day: slower)."
    ),
]


def _inputs(store, as_of, covariates: str, weather: Path | None):
    from smallboats.analysis.estimate import from_store
    from smallboats.data.importers.weather import read_frame

    names = [c.strip() for c in covariates.split(",") if c.strip()]
    frame = read_frame(weather) if weather else None
    if frame is not None and "weather" not in names:
        names.append("weather")
    with open_store(store) as st:
        return from_store(st, as_of=as_of, covariates=names, weather=frame)


def _dates(until, start, end) -> dict:
    from smallboats.analysis.estimate import AGREEMENT
    from smallboats.analysis.estimate.record import DEFAULT_START

    return {
        "until": parse_date(until, "--until") if until else AGREEMENT,
        "start": parse_date(start, "--start") if start else DEFAULT_START,
        "end": parse_date(end, "--end") if end else None,
    }


def _run(label: str, total: int, fn):
    with progress() as bar:
        task = bar.add_task(label, total=total)
        return fn(lambda step: bar.update(task, advance=1, description=f"{label}: {step} done"))


def estimate_effect(
    until: UntilOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    covariates: CovOpt = "",
    weather: WeatherOpt = None,
    warmup: WarmupOpt = 500,
    samples: SamplesOpt = 500,
    chains: ChainsOpt = 2,
    seed: SeedOpt = 7,
    cache: CacheOpt = True,
    frequency: FrequencyOpt = "week",
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """The no-scheme world estimated from the record before --until, and the effect since, by two methods.

    A Bayesian model (NumPyro) and an interrupted time series (statsmodels) are fitted to the weeks
    before --until and forecast the weeks since: observed, counterfactual median and 50/80/95%
    intervals, the observed figure's percentile and the effect with its interval, week by week and in
    total. The method is in docs/estimation.md.

    With --frequency day the Bayesian model is fitted to daily counts, with a latent seasonal share
    of days closed to crossings; its forecasts are summed to the same weeks.

    Example: smallboats estimate-effect --until 2025-08-06 --format json
    """
    from smallboats.analysis.estimate import FitOptions
    from smallboats.analysis.estimate import estimate_effect as run

    opts = FitOptions(warmup=warmup, samples=samples, chains=chains, seed=seed, use_cache=cache, frequency=frequency)
    opts.check()
    dates = _dates(until, start, end)
    inputs = _inputs(store, as_of_release, covariates, weather)
    res = _run("Fitting", 2, lambda step: run(inputs, **dates, options=opts, on_step=step))
    _warn(res.warnings)
    if format != Format.table:
        emit(res.weekly, format, payload=res.to_dict())
        return
    import pandas as pd

    totals = pd.DataFrame(
        [
            {"method": m, "observed": t["observed"], **{f"cf {k}": v for k, v in t["counterfactual"].items()}}
            | {"percentile": t["observed_percentile"], "effect %": round(t["relative_effect"]["median"] * 100, 1)}
            for m, t in res.totals.items()
        ]
    )
    emit(res.weekly[res.weekly.method == "bayes"].drop(columns="method"), format, title="Week by week (Bayesian)")
    emit(totals, format, title=f"In total, weeks ending {res.weekly.week_ending.min()} to {res.end}")
    _say(res.statement)


def _warn(warnings: list[str]) -> None:
    """Every diagnostic failure, in red on the error stream, whatever the format."""
    for w in warnings:
        err_console.print(f"[bold red]{w}[/bold red]", highlight=False, soft_wrap=True)


def _say(statement: list[str] | str) -> None:
    console.print(statement if isinstance(statement, str) else " ".join(statement), highlight=False, soft_wrap=True)


def evaluate_pilot(
    until: UntilOpt = None,
    start: StartOpt = None,
    end: EndOpt = None,
    lag_weeks: Annotated[
        int, typer.Option(min=0, max=52, help="Weeks between returns and their effect on crossings.")
    ] = 4,
    covariates: CovOpt = "",
    weather: WeatherOpt = None,
    warmup: WarmupOpt = 500,
    samples: SamplesOpt = 500,
    chains: ChainsOpt = 2,
    seed: SeedOpt = 7,
    cache: CacheOpt = True,
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Did the pilot work? The estimated effect (two methods) and the elasticity of arrivals to returns.

    Gives observed arrivals since --until, the counterfactual's quantiles, the observed figure's
    percentile, the effect with its interval from both methods, and the elasticity's prior and
    posterior (a fit of the whole record with the lagged return rate). The method is in docs/estimation.md.

    Example: smallboats evaluate-pilot --format json
    """
    from smallboats.analysis.estimate import FitOptions
    from smallboats.analysis.estimate import evaluate_pilot as run

    opts = FitOptions(warmup=warmup, samples=samples, chains=chains, seed=seed, use_cache=cache)
    opts.check()
    dates = _dates(until, start, end)
    inputs = _inputs(store, as_of_release, covariates, weather)
    res = _run("Fitting", 3, lambda step: run(inputs, **dates, lag_weeks=lag_weeks, options=opts, on_step=step))
    _warn(res["warnings"])
    import pandas as pd

    rows = pd.DataFrame(res["summary"])
    if format != Format.table:
        emit(rows, format, payload=res)
        return
    emit(rows.set_index("method").T.reset_index(names="figure"), format, title="The pilot, estimated")
    _say(res["statement"])
