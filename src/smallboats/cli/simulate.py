"""`smallboats simulate` and `smallboats scenario`: run the model and inspect scenarios."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smallboats.cli.common import (
    MAX_RUNS,
    AsOfOpt,
    DaskOpt,
    FormatOpt,
    LevelOpt,
    SeedOpt,
    StoreOpt,
    ThreadsOpt,
    WorkersOpt,
    open_store,
    progress,
    runs_opt,
)
from smallboats.cli.output import Format, emit, emit_rows, emit_text, err_console
from smallboats.errors import UsageError
from smallboats.vocab import DETERRENCE_CHOICES

DeterrenceOpt = Annotated[
    str | None,
    typer.Option(
        help=f"Deterrence form, replacing the scenario's: {', '.join(DETERRENCE_CHOICES)} ('fitted': the "
        "elasticity's posterior from the dose fit of the record, fitted once per data release and cached)."
    ),
]


def numba_without_scipy() -> None:
    """Let Numba set up its NumPy support without importing SciPy, which ``simulate`` never uses.

    Numba's first compilation or cache load in a process imports ``numba.np.arraymath``, which
    imports ``scipy.linalg`` only to learn whether a BLAS is there for compiled ``np.correlate`` and
    ``np.convolve``; that import was about 0.3 s of each ``simulate`` on this machine (median of
    five, end to end, 3.58 s against 3.90 s). With ``scipy.linalg`` hidden for that one import,
    Numba takes the BLAS to be absent, and those two functions use a plain loop; the kernel calls
    neither. Numba's linear algebra still imports SciPy when it is asked for. Done only here, in a
    command that runs no other compiled code, and only when neither module is loaded yet.
    """
    import sys

    import numba  # noqa: F401  (it imports SciPy's package itself, but not its linear algebra)

    if "numba.np.arraymath" in sys.modules or "scipy.linalg" in sys.modules:
        return
    sys.modules["scipy.linalg"] = None  # an import of scipy.linalg or below it now raises ImportError
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        if sys.modules.get("scipy.linalg", 0) is None:
            del sys.modules["scipy.linalg"]


SUMMARY_NUMERIC = {"year", "median", "effect (median)"}  # the summary table's columns aligned right


def _summary_table(summary: dict) -> list[dict]:
    """The yearly summary as rows for a table or CSV (JSON prints the summary itself)."""
    rows = []
    for y in summary["years"]:
        e = y["effect"]
        rows.append(
            {
                "variable": y["variable"],
                "year": y["year"],
                "from": y["period_start"],
                "median": y["median"],
                "5-95%": f"{y['p05']:,.0f} to {y['p95']:,.0f}",
                "effect (median)": e["median"],
                "effect 5-95%": f"{e['p05']:,.0f} to {e['p95']:,.0f}",
            }
        )
    return rows


# long: twelve arguments and options, each taking lines of its own, and the docstring that is --help
def simulate_cmd(
    scenario: Annotated[
        str | None,
        typer.Argument(
            help="A preset (no-scheme, pilot-50, ramp-up, deterrence-strong, actual) or a scenario TOML file."
        ),
    ] = None,
    runs: runs_opt() = 1000,
    seed: SeedOpt = 7,
    years: Annotated[
        float | None, typer.Option(min=0.01, max=30, help="Horizon in years (default: the scenario's, 3).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write full results (Parquet), summary and manifest here.")] = None,
    rerun: Annotated[Path | None, typer.Option(help="Re-make results exactly from a manifest.json.")] = None,
    threads: ThreadsOpt = 0,
    deterrence: DeterrenceOpt = None,
    level_prior: LevelOpt = "fitted",
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Simulate a scenario and its paired no-scheme counterfactual; print the yearly summary.

    Every uncertain parameter is drawn from its prior in every run; the no-scheme level and its walk
    from the Bayesian model's posterior (fitted once per data release, cached; it says when it fits).
    Per year: arrivals, returns and admissions, median, 5/25/75/95th percentiles and effect.

    Example: smallboats simulate pilot-50 --deterrence fitted --runs 1000 --seed 7 --format json
    """
    numba_without_scipy()
    from smallboats.analysis.scenarios import read_manifest
    from smallboats.model import simulate
    from smallboats.serialize import to_json

    if rerun:
        sc, runs, seed, meta = read_manifest(rerun, max_runs=MAX_RUNS)
    elif scenario is None:
        raise UsageError("give a scenario (a preset or a TOML file), or --rerun MANIFEST")
    else:
        sc, meta = _build(scenario, store, years, as_of_release, deterrence, level_prior)
    with progress() as bar:
        task = bar.add_task(f"Simulating {sc.name}: {runs:,} runs x {sc.days:,} days", total=1.0)
        results = simulate(
            sc,
            runs=runs,
            seed=seed,
            meta=meta,
            threads=threads or None,
            on_progress=lambda f: bar.update(task, completed=f),
            records=out is not None,  # daily records only when they are saved
        )
    summary = results.summary()
    if out:
        path = results.save(out)
        err_console.print(f"Wrote results, summary and manifest to {out} (re-make with --rerun {path})")
    title = f"{sc.name}: {runs:,} runs, seed {seed}; {summary['detention_places']:,.0f} detention places"
    source = f"smallboats {summary['package_version']}; data release {summary['data_release']}"
    if format == Format.json:
        emit_text(to_json(summary))
    else:
        emit_rows(_summary_table(summary), SUMMARY_NUMERIC, format, title=title, source=source)


def _build(scenario: str, store, years, as_of, deterrence: str | None, level: str):
    """The scenario from the store, the deterrence form replaced if asked; says when a fit runs or fails."""
    from smallboats.analysis.scenarios import build_scenario

    overrides = {"deterrence": {"form": deterrence}} if deterrence is not None else None
    with open_store(store) as st:
        sc, meta = build_scenario(
            scenario, st, years=years, as_of=as_of, overrides=overrides, level=level, on_fit=err_console.print
        )
    for w in _fit_warnings(meta):
        err_console.print(w)
    return sc, meta


def _fit_warnings(meta: dict) -> list[str]:
    """The diagnostic warnings of the Bayesian fits a scenario drew from (empty when they pass)."""
    level = meta.get("fit", {}).get("level_fit", {})
    return list(level.get("warnings", [])) + list(meta.get("deterrence_fit", {}).get("warnings", []))


scenario_app = typer.Typer(help="List and show scenarios (presets or files).", no_args_is_help=True)


@scenario_app.command("list")
def scenario_list(format: FormatOpt = Format.table) -> None:
    """List the shipped presets.

    Example: smallboats scenario list
    """
    import pandas as pd

    from smallboats.analysis.scenarios import PRESETS, read_scenario_dict

    rows = [{"preset": p, "description": read_scenario_dict(p)[0].get("description", "")} for p in PRESETS]
    emit(pd.DataFrame(rows), format, title="Scenario presets")


@scenario_app.command("show")
def scenario_show(
    scenario: Annotated[str, typer.Argument(help="A preset name or a scenario TOML file.")],
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
) -> None:
    """Print a scenario in full, with the baseline fitted from the store, as TOML (a starting point to edit).

    Example: smallboats scenario show pilot-50 > my_scenario.toml
    """
    from smallboats.analysis.scenarios import build_scenario

    with open_store(store) as st:
        sc, _ = build_scenario(scenario, st, as_of=as_of_release, on_fit=err_console.print)
    import tomli_w

    emit_text(tomli_w.dumps(sc.model_dump(mode="json", exclude_none=True)))


def threshold_cmd(
    target: Annotated[
        float,
        typer.Option(min=0.001, max=0.999, help="The cut in first-year arrivals to reach, as a share (0.25 = 25%)."),
    ] = 0.25,
    probability: Annotated[float, typer.Option(min=0.001, max=1.0, help="The share of runs that must reach it.")] = 0.8,
    quota: Annotated[
        float | None, typer.Option(help="Instead: the cut this weekly quota buys, per assumption.")
    ] = None,
    scenario: Annotated[str, typer.Option(help="The scenario to vary (preset or TOML file).")] = "pilot-50",
    grid: Annotated[
        str, typer.Option(help="Weekly quotas to search, comma-separated.")
    ] = "50,100,250,500,1000,2000,4000",
    runs: runs_opt("Runs per quota and assumption.", 10_000) = 250,
    seed: SeedOpt = 7,
    years: Annotated[
        int, typer.Option(min=1, max=10, help="Scheme years simulated (the steady state needs two or more).")
    ] = 3,
    year: Annotated[
        str,
        typer.Option(help="The scheme year the target is read at: 1, 2, ... or 'steady' (every year after the first)."),
    ] = "steady",
    dask: DaskOpt = "none",
    workers: WorkersOpt = 2,
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """The smallest weekly quota that cuts arrivals by a target with a given probability, by scheme year.

    Searched under each deterrence assumption (none, linear, elasticity, threshold); null where no
    quota in the grid reaches the target. The target is read in the steady state (every scheme
    year after the first) unless --year says otherwise: the first year is mostly start-up. Each row
    names what holds returns below the quota (the pool of eligible arrivals, detention places, or
    casework losses) and the detention places used. With --quota, the cut that quota buys in every
    year instead.

    Example: smallboats threshold --target 0.25 --probability 0.8 --year steady --format json
    """
    import pandas as pd

    from smallboats.analysis.threshold import smallest_quota, year_label

    values = _quotas(quota, grid)
    _check_year(year, years)
    curve = _curve(scenario, values, runs, seed, years, dask, workers, as_of_release, store)
    if quota is not None:
        table = curve.drop(columns="cuts").round(4)
        if format == Format.table:  # the columns a reader needs, in words; json and csv keep every one
            table = _readable(table)
        emit(table, format, title=f"The cut in arrivals that {quota:g} a week buys, by scheme year")
        return
    result = smallest_quota(curve, target, probability, year)
    emit(
        pd.DataFrame([{k: v for k, v in r.items() if k != "searched"} for r in result]),
        format,
        title=f"Smallest weekly quota for a {target:.0%} cut with probability {probability:.0%} in "
        f"{year_label(year)} (searched {min(values):g} to {max(values):g} a week)",
        payload=result,
    )


TABLE_COLUMNS = {
    "assumption": "deterrence",
    "year": "year",
    "cut_median": "cut",
    "cut_p05": "cut p05",
    "cut_p95": "cut p95",
    "returned_median": "returned",
    "quota_offered": "quota",
    "binding": "held back by",
    "detention_places": "places",
}


def _readable(table):
    """The quota table for a terminal: cuts as percentages, people as whole numbers."""
    from smallboats.formats import pct, thousands

    out = table[list(TABLE_COLUMNS)].copy()
    for c in ("cut_median", "cut_p05", "cut_p95"):
        out[c] = [pct(v * 100) for v in out[c]]
    for c in ("returned_median", "quota_offered", "detention_places"):
        out[c] = [thousands(v) for v in out[c]]
    return out.rename(columns=TABLE_COLUMNS)


def _curve(scenario, values, runs, seed, years, dask, workers, as_of_release, store):
    """The quota curve over ``values``, with a progress bar."""
    from smallboats.analysis.distributed import executor
    from smallboats.analysis.scenarios import build_scenario
    from smallboats.analysis.threshold import quota_curve

    with open_store(store) as st:
        sc, _ = build_scenario(scenario, st, years=years, as_of=as_of_release)
    with executor(dask, workers) as ex, progress() as bar:
        task = bar.add_task("Searching", total=4 * len(values))
        return quota_curve(
            sc,
            grid=values,
            runs=runs,
            seed=seed,
            years=years,
            ex=ex,
            on_step=lambda n: bar.update(task, advance=1, description=n),
        )


def _check_year(year: str, years: int) -> None:
    """--year must be a simulated scheme year, or 'steady' when there are two or more."""
    allowed = [str(y) for y in range(1, years + 1)] + (["steady"] if years >= 2 else [])
    if year not in allowed:
        raise UsageError(f"--year must be one of {', '.join(allowed)} with --years {years}, not {year!r}")


def _quotas(quota: float | None, grid: str) -> list[float]:
    """The weekly quotas to search: finite and above zero."""
    import math

    try:
        values = [float(x) for x in ([quota] if quota is not None else grid.split(","))]
    except ValueError:
        raise UsageError(f"--grid must be numbers separated by commas, not {grid!r}") from None
    if not values or any(not math.isfinite(v) or v <= 0 for v in values):
        raise UsageError(f"--grid/--quota: every quota must be a finite number above zero, not {grid!r}")
    return values


def sweep_cmd(
    spec: Annotated[
        Path,
        typer.Argument(
            help="A grid (TOML with a [grid] table of parameter = [values]) or a sample "
            "file (CSV or Parquet, one column per parameter)."
        ),
    ],
    out: Annotated[Path, typer.Option(help="Folder for the Parquet dataset (re-run to resume).")],
    scenario: Annotated[str, typer.Option(help="The scenario varied (preset or TOML file).")] = "pilot-50",
    runs: runs_opt("Runs per variant.") = 250,
    seed: SeedOpt = 7,
    years: Annotated[float, typer.Option(min=0.01, max=30, help="Horizon in years.")] = 1.0,
    chunk_runs: Annotated[
        int | None, typer.Option(help="Runs per task (a multiple of 250; default: chosen from a timed pilot).")
    ] = None,
    dask: DaskOpt = "local",
    workers: WorkersOpt = 2,
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Run many variants of a scenario in chunks on Dask; one Parquet dataset, a row per variant x run x year.

    A sweep interrupted part way resumes from the chunks already written when run again with the
    same --out. Results are identical whatever the number of workers.

    Example: smallboats sweep grid.toml --out sweep/ --dask local --workers 2
    """
    from smallboats.analysis.distributed import executor
    from smallboats.analysis.scenarios import build_scenario
    from smallboats.analysis.sweeps import read_spec, run_sweep, summarise_sweep

    variants = read_spec(spec)
    with open_store(store) as st:
        sc, _ = build_scenario(scenario, st, years=years, as_of=as_of_release)
    with executor(dask, workers) as ex, progress() as bar:
        task = bar.add_task(f"Sweep of {len(variants)} variants", total=None)
        summary = run_sweep(
            sc,
            variants,
            runs=runs,
            seed=seed,
            out=out,
            ex=ex,
            chunk_runs=chunk_runs,
            file=str(spec),
            on_done=lambda i: bar.update(task, advance=1),
        )
    table = summarise_sweep(out, list(variants[0]))
    err_console.print(
        f"{summary['computed']} chunks computed, {summary['resumed_from']} already written; "
        f"{summary['workers']} worker(s) at {summary['executor']}"
    )
    emit(
        table.round(1),
        format,
        title=f"Effect on arrivals by variant ({out})",
        payload={**summary, "effect": table.to_dict("records")},
    )


def sensitivity_cmd(
    scenario: Annotated[str, typer.Argument(help="The scenario (preset or TOML file).")] = "pilot-50",
    n: Annotated[
        int, typer.Option(min=2, max=65_536, help="Saltelli base sample (a power of two); rows = n x (factors + 2).")
    ] = 256,
    seed: SeedOpt = 7,
    quota_scale: Annotated[str, typer.Option(help="Range of the multiplier on the quota path, 'low,high'.")] = "0.5,5",
    chart: Annotated[Path | None, typer.Option(help="Write the ranked chart here (.png or .svg).")] = None,
    dask: DaskOpt = "none",
    workers: WorkersOpt = 2,
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Sobol indices (first order and total, with 95% intervals) of the first-year cut in arrivals.

    Factors: every uncertain parameter of the scenario, the deterrence form, and a multiplier on the
    quota path.

    Example: smallboats sensitivity pilot-50 --n 256 --chart sobol.png
    """
    from smallboats.analysis.distributed import executor
    from smallboats.analysis.scenarios import build_scenario
    from smallboats.analysis.sensitivity import sobol

    if chart is not None and chart.suffix.lower() not in (".png", ".svg"):
        raise UsageError(f"--chart {chart}: the file name must end in .png or .svg")
    if n < 2 or n & (n - 1):
        raise UsageError(f"--n must be a power of two (e.g. 256), not {n}")
    try:
        lo, hi = (float(x) for x in quota_scale.split(","))
    except ValueError:
        raise UsageError(f"--quota-scale must be 'low,high', not {quota_scale!r}") from None
    with open_store(store) as st:
        sc, meta = build_scenario(scenario, st, years=1, as_of=as_of_release)
    with executor(dask, workers) as ex, progress() as bar:
        task = bar.add_task("Sobol sample", total=None)
        table, info = sobol(sc, n, seed, ex, quota_scale=(lo, hi), on_done=lambda i: bar.update(task, advance=1))
    if chart:
        from smallboats.viz.charts import sobol_chart

        c = sobol_chart(
            table,
            f"smallboats simulation of {sc.name}: {info['rows']:,} runs, seed {seed}; "
            f"baseline fitted to {meta['data_release']}",
        )
        c.save(chart)
    emit(
        table.round(3),
        format,
        title=f"Sobol indices of the first-year cut in arrivals ({info['rows']:,} runs)",
        payload={**info, "scenario": sc.name, "indices": table.to_dict("records")},
    )
