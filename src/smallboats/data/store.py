"""The release store: an embedded DuckDB database where every import is kept as a release.

Nothing is overwritten. A release is one vintage of one publication; a query reads, for each
period of a series, the figure of the newest release that holds it (or the newest up to a named
release, ``as_of``), so a later "last 7 days" page extends a workbook and a revised workbook
supersedes an earlier one while both stay in the store.

The database lives in the user's data directory (platformdirs) unless ``SMALLBOATS_HOME`` or an
explicit path says otherwise. A new store is filled with the bundled dataset on first use.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import platformdirs

from smallboats.data import series as series_mod
from smallboats.data.release import Release
from smallboats.data.validate import validate_release
from smallboats.errors import DataError, StoreError
from smallboats.provenance import Source

SCHEMA = """
CREATE TABLE IF NOT EXISTS releases (
    release_id   VARCHAR PRIMARY KEY,
    dataset      VARCHAR NOT NULL,
    publisher    VARCHAR NOT NULL,
    title        VARCHAR NOT NULL,
    release_date DATE NOT NULL,
    url          VARCHAR NOT NULL,
    licence      VARCHAR NOT NULL,
    source_note  VARCHAR NOT NULL,
    format       VARCHAR NOT NULL,
    origin       VARCHAR NOT NULL,
    content_hash VARCHAR NOT NULL,
    n_obs        INTEGER NOT NULL,
    imported_at  TIMESTAMP NOT NULL,
    seq          INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS observations (
    release_id   VARCHAR NOT NULL,
    series       VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    period_end   DATE NOT NULL,
    value        DOUBLE NOT NULL,
    note         VARCHAR NOT NULL,
    PRIMARY KEY (release_id, series, period_start, period_end)
);
"""


def default_path() -> Path:
    """The store's path: ``$SMALLBOATS_HOME/smallboats.duckdb`` or the user data directory."""
    home = os.environ.get("SMALLBOATS_HOME")
    base = Path(home) if home else Path(platformdirs.user_data_dir("smallboats", appauthor=False))
    return base / "smallboats.duckdb"


@dataclass
class LoadResult:
    """What one load did: releases added and releases already present with the same figures."""

    added: list[str]
    unchanged: list[str]


class Store:
    """The DuckDB release store.

    Args:
        path: the database file; default :func:`default_path`.
        bundled: fill a new, empty store with the bundled dataset (the default).
        read_only: open for reading only, so that several processes (the server, the command
            line) can read at once; only imports need to write.
    """

    def __init__(self, path: str | Path | None = None, *, bundled: bool = True, read_only: bool = False):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if read_only and not self.path.exists():
            Store(self.path, bundled=bundled).close()  # first use: create and fill it, then read
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as e:
            hint = "; another smallboats process is writing to it" if "lock" in str(e).lower() else ""
            raise StoreError(f"cannot open the store {self.path}{hint}: {e}") from None
        if read_only:
            return
        self.con.execute(SCHEMA)
        if bundled and self._count() == 0:
            from smallboats.data.bundle import load_bundled

            load_bundled(self)

    def close(self) -> None:
        """Close the database connection."""
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _count(self) -> int:
        return self.con.execute("SELECT count(*) FROM releases").fetchone()[0]

    # --- writing ---------------------------------------------------------------------------

    def load(
        self,
        releases: list[Release],
        origin: str,
        *,
        today: dt.date | None = None,
        on_step: Callable[[str], None] | None = None,
    ) -> LoadResult:
        """Validate and store releases, all or nothing, in one transaction.

        Args:
            releases: what an importer read.
            origin: the file they came from (kept with each release).
            today: the date "future" is judged against (default: today).
            on_step: called with a short label after each release is written (progress bars).

        Returns:
            Which releases were added, and which were already stored with identical figures.

        Raises:
            DataError: a rule is broken, or a release with the same id but other figures exists;
                the store is then exactly as it was.
        """
        for rel in releases:
            validate_release(rel, origin, today=today)
        added, unchanged = [], []
        seq = self.con.execute("SELECT coalesce(max(seq), 0) FROM releases").fetchone()[0]
        self.con.execute("BEGIN TRANSACTION")
        try:
            for rel in releases:
                digest = rel.content_hash()
                row = self.con.execute(
                    "SELECT content_hash FROM releases WHERE release_id = ?", [rel.release_id]
                ).fetchone()
                if row is not None:
                    if row[0] == digest:
                        unchanged.append(rel.release_id)
                        continue
                    raise DataError(
                        origin,
                        "release",
                        f"release {rel.release_id} is already stored with other figures; a "
                        "release is never overwritten (give the new file its own --release-date)",
                    )
                seq += 1
                self._insert(rel, origin, digest, seq)
                added.append(rel.release_id)
                if on_step:
                    on_step(rel.release_id)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return LoadResult(added, unchanged)

    def _insert(self, rel: Release, origin: str, digest: str, seq: int) -> None:
        s = rel.source
        self.con.execute(
            "INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now(), ?)",
            [
                rel.release_id,
                rel.dataset,
                s.publisher,
                s.title,
                s.release_date,
                s.url,
                s.licence,
                s.note,
                rel.format,
                Path(origin).name,
                digest,
                len(rel.observations),
                seq,
            ],
        )
        obs = rel.observations[["series", "period_start", "period_end", "value", "note"]].copy()
        obs.insert(0, "release_id", rel.release_id)
        self.con.register("_new_obs", obs)
        try:
            self.con.execute("INSERT INTO observations SELECT * FROM _new_obs")
        finally:
            self.con.unregister("_new_obs")

    # --- reading ---------------------------------------------------------------------------

    def releases(self) -> pd.DataFrame:
        """Every release, oldest first, with its source and what it holds."""
        df = self.con.execute(
            """
            SELECT r.release_id, r.dataset, r.publisher, r.title, r.release_date, r.url,
                   r.licence, r.source_note, r.format, r.origin, r.n_obs, r.imported_at,
                   (SELECT string_agg(DISTINCT o.series, ',' ORDER BY o.series)
                      FROM observations o WHERE o.release_id = r.release_id) AS series,
                   (SELECT max(o.period_end) FROM observations o
                      WHERE o.release_id = r.release_id) AS newest_period
            FROM releases r ORDER BY r.release_date, r.seq
            """
        ).df()
        for c in ("release_date", "newest_period"):
            df[c] = pd.to_datetime(df[c]).dt.date
        return df

    def source(self, release_id: str) -> Source:
        """The source of one release."""
        row = self.con.execute(
            "SELECT publisher, title, release_date, url, licence, source_note FROM releases WHERE release_id = ?",
            [release_id],
        ).fetchone()
        if row is None:
            raise StoreError(f"no release {release_id!r} in the store; see 'smallboats data status'")
        return Source(row[0], row[1], row[2], row[3], row[4], row[5])

    def _as_of_key(self, as_of: str | None) -> tuple:
        if as_of is None:
            return (dt.date.max, 1 << 30)
        row = self.con.execute("SELECT release_date, seq FROM releases WHERE release_id = ?", [as_of]).fetchone()
        if row is None:
            known = ", ".join(self.releases().release_id.tolist())
            raise StoreError(f"no release {as_of!r} in the store; releases held: {known}")
        return row

    def observations(
        self, series: str | list[str], *, as_of: str | None = None, published_by: dt.date | None = None
    ) -> pd.DataFrame:
        """The current figure of each period of one or more series.

        Args:
            series: a series id or a list of them.
            as_of: a release id: read the store as it stood when that release was the newest.
            published_by: read only releases published on or before this date.

        Returns:
            Columns ``series, period_start, period_end, value, note, release_id``, sorted by period.
        """
        ids = [series] if isinstance(series, str) else list(series)
        for sid in ids:
            try:
                series_mod.get(sid)
            except KeyError as e:
                raise StoreError(e.args[0]) from None
        rdate, rseq = self._as_of_key(as_of)
        if published_by is not None and published_by < rdate:
            rdate, rseq = published_by, 1 << 30
        df = self.con.execute(
            """
            SELECT o.series, o.period_start, o.period_end, o.value, o.note, o.release_id
            FROM observations o JOIN releases r USING (release_id)
            WHERE o.series IN (SELECT unnest(?))
              AND (r.release_date < ? OR (r.release_date = ? AND r.seq <= ?))
            QUALIFY row_number() OVER (
                PARTITION BY o.series, o.period_start, o.period_end
                ORDER BY r.release_date DESC, r.seq DESC) = 1
            ORDER BY o.series, o.period_start, o.period_end
            """,
            [ids, rdate, rdate, rseq],
        ).df()
        for c in ("period_start", "period_end"):
            df[c] = pd.to_datetime(df[c]).dt.date
        return df

    def daily(self, *, as_of: str | None = None) -> pd.DataFrame:
        """Daily people and boats: columns ``date, people, boats``, one row a day, no gaps.

        Raises:
            StoreError: the store holds no daily figures, or a day is missing.
        """
        obs = self.observations(["sb_people", "sb_boats"], as_of=as_of)
        if obs.empty:
            raise StoreError("the store holds no daily small-boat figures (series sb_people)")
        wide = obs.pivot_table(index="period_end", columns="series", values="value", aggfunc="first")
        wide = wide.rename(columns={"sb_people": "people", "sb_boats": "boats"})
        wide.index = pd.to_datetime(wide.index)
        full = pd.date_range(wide.index.min(), wide.index.max(), freq="D")
        missing = full.difference(wide.index)
        if len(missing):
            raise StoreError(f"the daily series has {len(missing)} missing days, first {missing[0]:%Y-%m-%d}")
        out = wide.reindex(full)[["people", "boats"]].astype("int64")
        out.index.name = "date"
        return out.reset_index()

    def revisions(self, dataset: str | None = None, old: str | None = None, new: str | None = None) -> pd.DataFrame:
        """What a newer release changed against an older one of the same publication.

        Args:
            dataset: the publication; default the daily time series.
            old: the older release id; default the second newest of ``dataset``.
            new: the newer release id; default the newest of ``dataset``.

        Returns:
            One row per changed, added or dropped figure in the periods both cover.
        """
        rel = self.releases()
        if dataset is None and (old or new):
            dataset = rel.set_index("release_id").loc[old or new, "dataset"]
        dataset = dataset or "ho-small-boats-timeseries"
        mine = rel[rel.dataset == dataset].release_id.tolist()
        if len(mine) < 2 and not (old and new):
            raise StoreError(f"the store holds {len(mine)} release(s) of {dataset}; revisions need two")
        new = new or mine[-1]
        old = old or mine[mine.index(new) - 1]
        for r in (old, new):
            self._as_of_key(r)
        return (
            self.con.execute(
                """
            WITH a AS (SELECT * FROM observations WHERE release_id = ?),
                 b AS (SELECT * FROM observations WHERE release_id = ?),
                 overlap AS (SELECT greatest((SELECT min(period_start) FROM a),
                                             (SELECT min(period_start) FROM b)) AS since,
                                    least((SELECT max(period_end) FROM a),
                                          (SELECT max(period_end) FROM b)) AS upto)
            SELECT coalesce(a.series, b.series) AS series,
                   coalesce(a.period_start, b.period_start) AS period_start,
                   coalesce(a.period_end, b.period_end) AS period_end,
                   a.value AS old_value, b.value AS new_value,
                   b.value - a.value AS change,
                   CASE WHEN a.value IS NULL THEN 'added' WHEN b.value IS NULL THEN 'dropped'
                        WHEN b.value < a.value THEN 'revised down' ELSE 'revised up' END AS kind
            FROM a FULL OUTER JOIN b USING (series, period_start, period_end), overlap
            WHERE coalesce(a.period_end, b.period_end) <= overlap.upto
              AND coalesce(a.period_start, b.period_start) >= overlap.since
              AND (a.value IS DISTINCT FROM b.value)
            ORDER BY series, period_start
            """,
                [old, new],
            )
            .df()
            .assign(old_release=old, new_release=new)
        )

    def status(self) -> dict:
        """What the store holds: its path, the newest daily date and every release with its source."""
        rel = self.releases()
        newest = self.con.execute("SELECT max(period_end) FROM observations WHERE series = 'sb_people'").fetchone()[0]
        return {
            "store": str(self.path),
            "newest_date": newest.isoformat() if newest else None,
            "n_releases": len(rel),
            "n_observations": int(self.con.execute("SELECT count(*) FROM observations").fetchone()[0]),
            "releases": [
                {
                    "release_id": r.release_id,
                    "dataset": r.dataset,
                    "series": r.series.split(",") if r.series else [],
                    "n_obs": int(r.n_obs),
                    "newest_period": r.newest_period.isoformat() if r.newest_period else None,
                    "origin": r.origin,
                    "source": Source(r.publisher, r.title, r.release_date, r.url, r.licence, r.source_note).to_dict(),
                }
                for r in rel.itertuples()
            ],
        }

    def export_frame(self, *, as_of: str | None = None, all_releases: bool = False) -> pd.DataFrame:
        """Observations in the tidy layout with their sources, ready to write as CSV or Parquet."""
        if all_releases:
            obs = self.con.execute("SELECT * FROM observations ORDER BY release_id, series, period_start").df()
        else:
            obs = self.observations(sorted(series_mod.SERIES), as_of=as_of)
        rel = self.releases().set_index("release_id")
        src = rel.loc[
            obs.release_id, ["dataset", "publisher", "title", "release_date", "url", "licence", "source_note"]
        ].reset_index(drop=True)
        out = pd.concat(
            [obs.reset_index(drop=True)[["series", "period_start", "period_end", "value", "note", "release_id"]], src],
            axis=1,
        )
        out["release_date"] = pd.to_datetime(out["release_date"]).dt.date
        return out


def status_json(store: Store) -> str:
    """The status as JSON text."""
    return json.dumps(store.status(), indent=2, default=str)
