"""`smallboats query`: the questions journalists ask, answered from the store."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated

import typer

from smallboats.cli.common import AsOfOpt, FormatOpt, StoreOpt, open_store, parse_date, sources_line
from smallboats.cli.output import Format, console, emit, emit_object
from smallboats.cli.quick import emit_so_far, so_far_in_sql, so_far_title
from smallboats.errors import UsageError

app = typer.Typer(help="Ask the official figures: so far this year, windows, per boat, shares.", no_args_is_help=True)
DAILY = ["sb_people", "sb_boats"]


def _day(text: str, option: str, daily) -> dt.date:
    """A date option: YYYY-MM-DD, or ``latest`` for the newest day held."""
    return daily.date.max().date() if text == "latest" else parse_date(text, option)


def _daily_and_source(st, as_of):
    from smallboats.data import queries as q

    d = q.daily_series(st, as_of)
    return d.frame, d.attribution, d.release


@app.command("so-far")
def so_far(
    date: Annotated[str, typer.Option(help="The day to count to (YYYY-MM-DD or latest), inclusive.")] = "latest",
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Arrivals from 1 January to a date, in that year and at the same point of every earlier year.

    pct_change is how far the date's year is above (+) or below (-) each year, in percent.

    Example: smallboats query so-far --date 2025-07-09 --format json
    """
    with open_store(store) as st:
        found = so_far_in_sql(st, date, as_of_release)
        if found is None:  # not a clean series, or not a day of it: the frame's path, with its checks
            daily, source, rel = _daily_and_source(st, as_of_release)
    if found is not None:
        emit_so_far(found, format)
        return
    from smallboats.data import queries as q

    day = _day(date, "--date", daily)
    df = q.so_far(daily, day).assign(release=rel)
    emit(df, format, title=so_far_title(day), source=source)


@app.command()
def window(
    start: Annotated[str, typer.Option(help="First day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option(help="Last day (YYYY-MM-DD or latest), inclusive.")] = "latest",
    by: Annotated[str | None, typer.Option(help="Also list totals by week, month or year.")] = None,
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Totals and weekly averages over any window, optionally by week, month or year.

    Example: smallboats query window --start 2025-03-01 --end 2025-07-10
    """
    from smallboats.data import queries as q

    with open_store(store) as st:
        daily, source, rel = _daily_and_source(st, as_of_release)
    s, e = _day(start, "--start", daily), _day(end, "--end", daily)
    w = q.window(daily, s, e, by)
    w["release"] = rel
    if by:
        periods = w.pop("periods")
        emit(periods, format, title=f"Arrivals by {by}, {s} to {e}", source=source, payload=w | {"periods": periods})
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
    from smallboats.data import queries as q

    if since is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", since):
        raise UsageError(f"--from must be a month written YYYY-MM (such as 2025-01), not {since!r}")
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
    date: Annotated[str, typer.Option(help="The day (YYYY-MM-DD or latest).")] = "latest",
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Arrivals on one day, and how that day ranks among all days.

    Example: smallboats query day --date 2025-07-10
    """
    from smallboats.data import queries as q

    with open_store(store) as st:
        daily, source, rel = _daily_and_source(st, as_of_release)
    d = _day(date, "--date", daily)
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
    from smallboats.data import queries as q

    with open_store(store) as st:
        daily, source, _ = _daily_and_source(st, as_of_release)
    emit(q.annual(daily), format, title="Small-boat arrivals by year", source=source)


@app.command()
def share(
    value: Annotated[float, typer.Argument(help="The figure, e.g. 50.")],
    per: Annotated[
        str, typer.Option(help="Its rate: day, week or year; or 'window': the figure covers the same --start..--end.")
    ] = "week",
    against: Annotated[
        str,
        typer.Option(help="'arrivals' (the daily series) or a series id such as returns_enforced or ons_immigration."),
    ] = "arrivals",
    start: Annotated[str | None, typer.Option(help="First day of the window compared with.")] = None,
    end: Annotated[
        str | None,
        typer.Option(help="Last day of the window; with a series and no --start: the period's last day (YYYY-MM-DD)."),
    ] = None,
    year: Annotated[int | None, typer.Option(help="With a series: the calendar year.")] = None,
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """What share a figure is of another series, both as yearly rates (or over the same window).

    Example: smallboats query share 1087 --per window --against sb_people --start 2025-08-06 --end 2026-06-30
    """
    from smallboats.data import queries as q

    if not (math.isfinite(value) and value >= 0):
        raise UsageError(f"VALUE must be a finite figure of 0 or more, not {value:g}")
    if per not in ("day", "week", "year", "window"):
        raise UsageError(f"--per must be day, week, year or window, not {per!r}")
    s = parse_date(start, "--start") if start else None
    if end == "latest":
        with open_store(store) as st:
            end = st.daily(as_of=as_of_release).date.max().date().isoformat()
    e = parse_date(end, "--end") if end else None
    if per == "window" and not (s and e):
        raise UsageError("--per window needs --start and --end: the window the figure covers")
    with open_store(store) as st:
        base, base_per, label, rel, source = _share_base(st, q, against, s, e, year, as_of_release)
    days = (e - s).days + 1 if (s and e) else None
    value_per, rate = (value / days, "day") if per == "window" else (value, per)
    out = {"value": value, "per": per, "against": label} | q.share(value_per, rate, base, base_per) | {"release": rel}
    if per == "window":
        out["window_days"] = days
    emit_object(out, format, title="Share", source=source)


def _share_base(st, q, against, s, e, year, as_of):
    """The figure compared with, as a rate: ``(value, per, label, release, source line)``."""
    from smallboats.data import queries as q

    if against in ("arrivals", "sb_people"):
        if not (s and e):
            raise UsageError(f"--against {against} needs --start and --end")
        d = q.daily_series(st, as_of)
        w = q.window(d.frame, s, e)
        label = f"arrivals {s} to {e} ({w['people']:,} people)"
        return w["people"] / w["days"], "day", label, d.release, d.attribution  # exact, not the rounded weekly mean
    obs = st.observations(against, as_of=as_of)
    if s:
        if not e:
            raise UsageError("--start needs --end")
        t = q.total_over(obs, s, e)
        label = f"{against} {s} to {e} ({t['total']:,.0f} over {t['periods']} periods)"
        return t["total"] / t["days"], "day", label, ",".join(t["release_ids"]), sources_line(st, t["release_ids"])
    row = q.period_value(obs, end=e, year=year) if (e or year) else obs.iloc[-1]
    label = f"{against} {row.period_start} to {row.period_end}"
    per_len = (row.period_end - row.period_start).days + 1
    base, base_per = (row.value, "year") if per_len >= 360 else (row.value / per_len, "day")
    return base, base_per, label, row.release_id, sources_line(st, [row.release_id])


@app.command("records")
def records_cmd(
    as_of_release: AsOfOpt = None,
    store: StoreOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """The busiest day, week, month and year on record, and the most people per boat in a month.

    A period the data do not yet cover in full is marked partial and never takes a record; it is
    listed beside the record when it is already above it.

    Example: smallboats query records --format csv
    """
    from smallboats.data import queries as q

    with open_store(store) as st:
        daily, source, rel = _daily_and_source(st, as_of_release)
    emit(q.records_table(daily).assign(release=rel), format, title="Records", source=source)


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
