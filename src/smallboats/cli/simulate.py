"""`smallboats simulate` and `smallboats scenario`: run the model and inspect scenarios."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import pandas as pd
import tomli_w
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from smallboats.cli.common import AsOfOpt, FormatOpt, StoreOpt, open_store
from smallboats.cli.output import Format, emit, err_console, to_json
from smallboats.errors import DataError, UsageError

MAX_RUNS = 100_000


def _progress():
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )


def _summary_table(summary: dict) -> pd.DataFrame:
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
    return pd.DataFrame(rows)


def simulate_cmd(
    scenario: Annotated[
        str | None,
        typer.Argument(
            help="A preset (no-scheme, pilot-50, ramp-up, deterrence-strong, actual) or a scenario TOML file."
        ),
    ] = None,
    runs: Annotated[int, typer.Option(help="Monte Carlo runs.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed: the same seed gives the same numbers.")] = 7,
    years: Annotated[float | None, typer.Option(help="Horizon in years (default: the scenario's, 3).")] = None,
    out: Annotated[Path | None, typer.Option(help="Write full results (Parquet), summary and manifest here.")] = None,
    rerun: Annotated[Path | None, typer.Option(help="Re-make results exactly from a manifest.json.")] = None,
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Simulate a scenario and its paired no-scheme counterfactual; print the yearly summary.

    Every uncertain parameter (deterrence above all) is drawn from its prior in every run. The
    summary gives, for arrivals, returns and admissions per year of the horizon, the median and
    5/25/75/95th percentiles and the effect against no scheme with its interval.

    Example: smallboats simulate pilot-50 --runs 1000 --seed 7 --format json
    """
    from smallboats.model import Scenario, simulate

    if not 1 <= runs <= MAX_RUNS:
        raise UsageError(f"--runs must be between 1 and {MAX_RUNS:,}, not {runs:,}")
    if rerun:
        try:
            manifest = json.loads(rerun.read_text())
            sc = Scenario.model_validate(manifest["scenario"])
        except (OSError, ValueError, KeyError) as e:
            raise DataError(str(rerun), "manifest", f"not a smallboats manifest: {e}") from None
        runs, seed, meta = manifest["runs"], manifest["seed"], manifest.get("meta", {})
    else:
        if scenario is None:
            raise UsageError("give a scenario (a preset or a TOML file), or --rerun MANIFEST")
        from smallboats.analysis.scenarios import build_scenario

        with open_store(store) as st:
            sc, meta = build_scenario(scenario, st, years=years, as_of=as_of_release)
    with _progress() as bar:
        task = bar.add_task(f"Simulating {sc.name}: {runs:,} runs x {sc.days:,} days", total=1.0)
        results = simulate(sc, runs=runs, seed=seed, meta=meta, on_progress=lambda f: bar.update(task, completed=f))
    summary = results.summary()
    if out:
        path = results.save(out)
        err_console.print(f"Wrote results, summary and manifest to {out} (re-make with --rerun {path})")
    if format == Format.json:
        sys.stdout.write(to_json(summary) + "\n")
    else:
        emit(
            _summary_table(summary),
            format,
            title=f"{sc.name}: {runs:,} runs, seed {seed}",
            source=f"smallboats {summary['package_version']}; data release {summary['data_release']}",
        )


scenario_app = typer.Typer(help="List and show scenarios (presets or files).", no_args_is_help=True)


@scenario_app.command("list")
def scenario_list(format: FormatOpt = Format.table) -> None:
    """List the shipped presets.

    Example: smallboats scenario list
    """
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
        sc, _ = build_scenario(scenario, st, as_of=as_of_release)
    data = sc.model_dump(mode="json", exclude_none=True)
    sys.stdout.write(tomli_w.dumps(data))
