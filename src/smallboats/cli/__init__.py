"""The command-line program: a thin shell over the library (parse, call, render).

The Typer application lives in :mod:`smallboats.cli.root` and is imported only when a command needs
it: ``query so-far`` with plain options is answered by :mod:`smallboats.cli.quick` without it.
"""

from __future__ import annotations

import sys

from smallboats.errors import SmallboatsError

# Every command: where it lives and the first paragraph of its help (shown by ``smallboats --help``
# without importing the command's module; tests/test_cli.py checks it against the command's own help).
# Commands first, then the groups, as Typer lists them.
COMMANDS = {
    "report": (
        "smallboats.cli.report:report",
        "Write the report: one self-contained HTML file, and each chart as PNG, SVG and CSV.",
    ),
    "simulate": (
        "smallboats.cli.simulate:simulate_cmd",
        "Simulate a scenario and its paired no-scheme counterfactual; print the yearly summary.",
    ),
    "threshold": (
        "smallboats.cli.simulate:threshold_cmd",
        "The smallest weekly quota that cuts arrivals by a target with a given probability, by scheme year.",
    ),
    "sweep": (
        "smallboats.cli.simulate:sweep_cmd",
        "Run many variants of a scenario in chunks on Dask; one Parquet dataset, a row per variant x run x year.",
    ),
    "sensitivity": (
        "smallboats.cli.simulate:sensitivity_cmd",
        "Sobol indices (first order and total, with 95% intervals) of the first-year cut in arrivals.",
    ),
    "serve": (
        "smallboats.cli.serve:serve",
        "Serve the dashboard (/) and the JSON API (/api/v1, schema at /openapi.json).",
    ),
    "calibrate": (
        "smallboats.cli.analysis:calibrate",
        "Fit the no-scheme world to the official series and save it for scenarios to use.",
    ),
    "forecast": (
        "smallboats.cli.analysis:forecast",
        "Weekly arrivals (and boats) for the weeks after a date: median and 50/80/95% intervals.",
    ),
    "backtest": (
        "smallboats.cli.analysis:backtest",
        "Score the model's forecasts against fair baselines, week by week, from many origins.",
    ),
    "estimate-effect": (
        "smallboats.cli.estimate:estimate_effect",
        "The no-scheme world estimated from the record before --until, and the effect since, by two methods.",
    ),
    "evaluate-pilot": (
        "smallboats.cli.estimate:evaluate_pilot",
        "Did the pilot work? The estimated effect (two methods) and the elasticity of arrivals to returns.",
    ),
    "data": ("smallboats.cli.data:app", "Load, inspect and export the official figures."),
    "query": ("smallboats.cli.query:app", "Ask the official figures: so far this year, windows, per boat, shares."),
    "claims": ("smallboats.cli.claims:app", "Check published figures against the official data."),
    "scenario": ("smallboats.cli.simulate:scenario_app", "List and show scenarios (presets or files)."),
}


def main(argv: list[str] | None = None) -> int:
    """Run the program; a user error prints one clear message and exits with code 2.

    Usage errors (a missing option, a value not among the choices) are reported by the
    command-line parser itself, also with exit code 2.
    """
    from smallboats.cli import quick

    try:
        code = quick.run(sys.argv[1:] if argv is None else list(argv))
        if code is not None:
            return code
        from smallboats.cli.root import app

        app(args=argv, prog_name="smallboats", standalone_mode=True)
    except SmallboatsError as e:
        _error(str(e))
        return e.exit_code
    except OSError as e:  # an output path that cannot be written, a file that vanished
        where = f"{e.filename}: " if e.filename else ""
        _error(f"{where}{e.strerror or e}")
        return 2
    except KeyboardInterrupt:
        _error("interrupted; nothing was written")
        return 130
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


def _error(text: str) -> None:
    from rich.markup import escape

    from smallboats.cli.output import err_console

    err_console.print(f"[bold red]error:[/bold red] {escape(text)}", highlight=False, soft_wrap=True)


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
