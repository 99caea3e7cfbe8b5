"""`smallboats query`: the questions journalists ask, answered from the store."""

from __future__ import annotations

from typing import Annotated

import typer

from smallboats.cli.common import AsOfOpt, FormatOpt, StoreOpt, open_store, parse_date, sources_line
from smallboats.cli.output import Format, console, emit, emit_object, records
from smallboats.data import queries as q
from smallboats.errors import UsageError

app = typer.Typer(help="Ask the official figures: so far this year, windows, per boat, shares.", no_args_is_help=True)
DAILY = ["sb_people", "sb_boats"]


def _daily_and_source(st, as_of):
    daily = st.daily(as_of=as_of)
    rel = st.observations("sb_people", as_of=as_of).release_id.unique()
    return daily, sources_line(st, rel), ",".join(sorted(rel))


@app.command("so-far")
def so_far(
    date: Annotated[str, typer.Option(help="The day to count to (YYYY-MM-DD), inclusive.")],
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Arrivals from 1 January to a date, in that year and at the same point of every earlier year.

    pct_change is how far the date's year is above (+) or below (-) each year, in percent.

    Example: smallboats query so-far --date 2025-07-09 --format json
    """
    day = parse_date(date, "--date")
    with open_store(store) as st:
        daily, source, rel = _daily_and_source(st, as_of_release)
    df = q.so_far(daily, day).assign(release=rel)
    emit(df, format, title=f"Small-boat arrivals, 1 January to {day:%d %B}", source=source)


@app.command()
def window(
    start: Annotated[str, typer.Option(help="First day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option(help="Last day (YYYY-MM-DD), inclusive.")],
    by: Annotated[str | None, typer.Option(help="Also list totals by week, month or year.")] = None,
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Totals and weekly averages over any window, optionally by week, month or year.

    Example: smallboats query window --start 2025-03-01 --end 2025-07-10
    """
    s, e = parse_date(start, "--start"), parse_date(end, "--end")
    with open_store(store) as st:
        daily, source, rel = _daily_and_source(st, as_of_release)
    w = q.window(daily, s, e, by)
    w["release"] = rel
    if by:
        periods = w.pop("periods")
        if format == Format.json:
            emit_object(w | {"periods": records(periods)}, format)
        else:
            emit(periods, format, title=f"Arrivals by {by}, {s} to {e}", source=source)
            if format == Format.table:
                emit_object(w, format, title="Whole window")
        return
    emit_object(w, format, title=f"Arrivals {s} to {e}", source=source)


@app.command("per-boat")
def per_boat(
    since: Annotated[str | None, typer.Option("--from", help="First month shown (YYYY-MM).")] = None,
    records_only: Annotated[bool, typer.Option("--records", help="Only the months that set a record.")] = False,
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """People per boat by month, with each new record marked.

    Example: smallboats query per-boat --from 2025-01 --records
    """
    with open_store(store) as st:
        daily, source, _ = _daily_and_source(st, as_of_release)
    df = q.per_boat_by_month(daily)
    if since:
        df = df[df.month >= since]
    if records_only:
        df = df[df.is_record]
    emit(df, format, title="People per boat by month", source=source)


@app.command()
def day(
    date: Annotated[str, typer.Option(help="The day (YYYY-MM-DD).")],
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Arrivals on one day, and how that day ranks among all days.

    Example: smallboats query day --date 2025-07-10
    """
    d = parse_date(date, "--date")
    with open_store(store) as st:
        daily, source, rel = _daily_and_source(st, as_of_release)
    emit_object(q.on_day(daily, d) | {"release": rel}, format, title=f"Arrivals on {d:%d %B %Y}", source=source)


@app.command()
def annual(
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Arrivals by calendar year from the daily series, with the record year marked.

    Example: smallboats query annual --format csv
    """
    with open_store(store) as st:
        daily, source, _ = _daily_and_source(st, as_of_release)
    emit(q.annual(daily), format, title="Small-boat arrivals by year", source=source)


@app.command()
def share(
    value: Annotated[float, typer.Argument(help="The figure, e.g. 50.")],
    per: Annotated[str, typer.Option(help="Its rate: day, week or year.")] = "week",
    against: Annotated[
        str,
        typer.Option(
            help="'arrivals' (the weekly average over --start..--end) or a "
            "series id such as returns_enforced or ons_immigration."
        ),
    ] = "arrivals",
    start: Annotated[str | None, typer.Option(help="With 'arrivals': first day of the window.")] = None,
    end: Annotated[
        str | None, typer.Option(help="With 'arrivals': last day; with a series: the period's last day (YYYY-MM-DD).")
    ] = None,
    year: Annotated[int | None, typer.Option(help="With a series: the calendar year.")] = None,
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """What share a figure is of another series, both as yearly rates.

    Example: smallboats query share 50 --per week --against ons_emigration --end 2024-12-31
    """
    with open_store(store) as st:
        if against == "arrivals":
            if not (start and end):
                raise UsageError("--against arrivals needs --start and --end")
            daily, source, rel = _daily_and_source(st, as_of_release)
            w = q.window(daily, parse_date(start, "--start"), parse_date(end, "--end"))
            base, base_per, label = w["people_per_week"], "week", f"weekly arrivals {start} to {end}"
        else:
            obs = st.observations(against, as_of=as_of_release)
            row = (
                q.period_value(obs, end=parse_date(end, "--end") if end else None, year=year)
                if (end or year)
                else obs.iloc[-1]
            )
            base, rel, label = row.value, row.release_id, f"{against} {row.period_start} to {row.period_end}"
            per_len = (row.period_end - row.period_start).days + 1
            base_per = "year" if per_len >= 360 else "period"
            if base_per == "period":
                base, base_per = base / per_len, "day"
            source = sources_line(st, [rel])
    out = {"value": value, "per": per, "against": label} | q.share(value, per, base, base_per) | {"release": rel}
    emit_object(out, format, title="Share", source=source)


@app.command("series")
def series_cmd(
    series: Annotated[str, typer.Argument(help="A series id (see 'smallboats data series').")],
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Every current figure of one series, each with its release.

    Example: smallboats query series agreement_returned
    """
    with open_store(store) as st:
        df = st.observations(series, as_of=as_of_release)
        source = sources_line(st, df.release_id.unique()) if len(df) else ""
    if df.empty:
        console.print(f"The store holds no figures of {series}.")
    emit(df, format, title=series, source=source)
