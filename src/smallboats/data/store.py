"""The release store: an embedded DuckDB database where every import is kept as a release.

Nothing is overwritten. A release is one vintage of one publication; a query reads, for each
period of a series, the figure of the newest release that holds it (or the newest up to a named
release, ``as_of``), so a later "last 7 days" page extends a workbook and a revised workbook
supersedes an earlier one while both stay in the store.

The database lives in the user's data directory (platformdirs) unless ``SMALLBOATS_HOME`` or an
explicit path says otherwise. :class:`ReleaseStore` only connects; creating and seeding the default
store is :func:`smallboats.data.bundle.open_default_store`'s job.

Sharing: DuckDB lets one process write, or several read, never both. So nothing should keep a
connection open while idle: readers open per use (:meth:`ReleaseStore.reader`), and an import
waits for the lock (``lock_timeout_s``, default :data:`LOCK_TIMEOUT_S`) instead of failing at once.
When the wait runs out, the message names the process that holds the lock.

Which DuckDB: the ``duckdb`` package is the engine (the extension module ``_duckdb``) plus a Python
layer of relations, expressions and Arrow sources that takes some 0.1 s to import, most of what
``smallboats query so-far`` would otherwise spend on DuckDB. Nothing here uses that layer: SQL in,
rows or a pandas frame out, and the errors, connections and results are the engine's own objects,
which the package re-exports. So the store imports the engine alone where it is a module of its own,
and the package where it is not; ``tests/test_store.py`` checks that the two are the same objects.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

try:  # DuckDB's engine on its own (DuckDB 2): see "Which DuckDB" above
    import _duckdb as duckdb
except ImportError:  # a DuckDB without a separate engine module
    import duckdb

from smallboats.data import series as series_mod
from smallboats.errors import DataError, StoreBusyError, StoreError
from smallboats.provenance import Source

if TYPE_CHECKING:  # pandas is imported where a frame is made: a query answered in SQL never needs it
    import pandas as pd

    from smallboats.data.release import Release

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
    if home:
        return Path(home) / "smallboats.duckdb"
    import platformdirs

    base = Path(platformdirs.user_data_dir("smallboats", appauthor=False))
    return base / "smallboats.duckdb"


from smallboats.data import LOCK_TIMEOUT_S  # noqa: E402 - defined beside the package, light to import

_LOCK_PID = re.compile(r"\(PID (\d+)\)")


def lock_holder(message: str) -> str:
    """Name the process DuckDB's lock error points at: ``process 1234 (python -m smallboats serve)``."""
    m = _LOCK_PID.search(message)
    if not m:
        return "another process"
    pid = m.group(1)
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        command = " ".join(a.decode(errors="replace") for a in argv if a)
    except OSError:
        command = ""
    if len(command) > 120:
        command = command[:117] + "..."
    return f"process {pid} ({command})" if command else f"process {pid}"


def connect(path: Path, *, read_only: bool, lock_timeout_s: float = LOCK_TIMEOUT_S) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB connection, waiting up to ``lock_timeout_s`` for a lock another process holds.

    Raises:
        StoreError: the file is missing (read-only), damaged or cut short, or still locked when the
            wait runs out (the message names the holder).
    """
    if read_only and not path.exists():
        raise StoreError(f"no store at {path}; 'smallboats data status' creates one from the bundled data")
    if path.is_dir():
        raise StoreError(f"the store {path} is a folder; --store names the store's file (e.g. smallboats.duckdb)")
    deadline = time.monotonic() + max(lock_timeout_s, 0.0)
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as e:
            text = str(e)
            if "could not set lock" not in text.lower():
                raise StoreError(
                    f"the store {path} cannot be opened: it is damaged or cut short ({text.splitlines()[0]}); "
                    "restore it from a copy, or move it aside and smallboats starts a new one from the bundled data"
                ) from None
            left = deadline - time.monotonic()
            if left <= 0:
                role = "read" if read_only else "write to"
                raise StoreBusyError(
                    f"cannot {role} the store {path}: {lock_holder(text)} holds its lock, and it was not freed "
                    f"within {lock_timeout_s:g} s (a reader holds it while it reads, an import while it writes); "
                    "try again when it has finished, or wait longer with --lock-timeout"
                ) from None
            time.sleep(min(delay, left))
            delay = min(delay * 2, 0.5)


def _make_folder(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StoreError(f"cannot create the store's folder {path.parent}: {e.strerror}") from None


@dataclass
class LoadResult:
    """What one load did.

    Attributes:
        added: releases written.
        unchanged: releases already stored with identical figures.
        republished: releases already stored whose figures the file holds a subset of, every one
            identical (a re-publication of part of a release, such as a CSV of its daily sheet).
    """

    added: list[str]
    unchanged: list[str]
    republished: list[str] = field(default_factory=list)


class ReleaseStore:
    """The DuckDB release store: connecting is all the constructor does.

    Args:
        path: the database file; default :func:`default_path`.
        read_only: open for reading only, so that several processes can read at once.
        lock_timeout_s: how long to wait for a lock another process holds.

    Use :meth:`create` to make a new store and :meth:`reader` to read for one use; the default
    store, created and seeded from the bundle, comes from :func:`smallboats.data.bundle.open_default_store`.
    """

    def __init__(
        self, path: str | Path | None = None, *, read_only: bool = False, lock_timeout_s: float = LOCK_TIMEOUT_S
    ):
        self.path = Path(path) if path else default_path()
        self.read_only = read_only
        self.con = connect(self.path, read_only=read_only, lock_timeout_s=lock_timeout_s)

    @classmethod
    def create(cls, path: str | Path | None = None, *, lock_timeout_s: float = LOCK_TIMEOUT_S) -> ReleaseStore:
        """Open a store for writing, making the file and its tables when they do not exist yet."""
        path = Path(path) if path else default_path()
        _make_folder(path)
        store = cls(path, lock_timeout_s=lock_timeout_s)
        store._sql(SCHEMA)
        return store

    @classmethod
    @contextmanager
    def reader(
        cls, path: str | Path | None = None, *, lock_timeout_s: float = LOCK_TIMEOUT_S
    ) -> Iterator[ReleaseStore]:
        """A read-only store for one use (a request, a command), closed at the end of the block.

        A server that opens one per request never holds the lock while idle, so an import can run
        between requests, and each request sees the releases stored up to that moment.
        """
        store = cls(path, read_only=True, lock_timeout_s=lock_timeout_s)
        try:
            yield store
        finally:
            store.close()

    def close(self) -> None:
        """Close the database connection."""
        self.con.close()

    def __enter__(self) -> ReleaseStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _sql(self, query: str, params: list | None = None) -> duckdb.DuckDBPyConnection:
        """Run SQL; a DuckDB error (damaged file, not a smallboats store) becomes a StoreError."""
        try:
            return self.con.execute(query, params) if params is not None else self.con.execute(query)
        except duckdb.CatalogException as e:
            raise StoreError(
                f"{self.path} is not a smallboats store ({str(e).splitlines()[0]}); point --store at a store file"
            ) from None
        except duckdb.Error as e:
            raise StoreError(
                f"the store {self.path} cannot be read: it is damaged or cut short ({str(e).splitlines()[0]})"
            ) from None

    def rows(self, query: str, params: list | None = None) -> list[tuple]:
        """The rows of a read query of the caller's own (one built on :meth:`current`, say), errors as above."""
        return self._sql(query, params).fetchall()

    def is_empty(self) -> bool:
        """True when the store holds no release."""
        return self._count() == 0

    def _count(self) -> int:
        return self._sql("SELECT count(*) FROM releases").fetchone()[0]

    def check_release(self, release_id: str) -> None:
        """Raise :class:`StoreError` listing the releases held when ``release_id`` is not one of them."""
        self._as_of_key(release_id)

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
            Which releases were added, which were already stored with identical figures, and which
            the file re-publishes in part with identical figures (both are no-ops).

        Raises:
            DataError: a rule is broken, or a release with the same id is stored and a figure
                differs (the message names the first); the store is then exactly as it was.
        """
        from smallboats.data.validate import validate_release

        if self.read_only:
            raise StoreError(f"the store {self.path} is open for reading only; open it for writing to import")
        for rel in releases:
            validate_release(rel, origin, today=today)
        result = LoadResult([], [])
        seq = self._sql("SELECT coalesce(max(seq), 0) FROM releases").fetchone()[0]
        self._sql("BEGIN TRANSACTION")
        try:
            for rel in releases:
                digest = rel.content_hash()
                row = self._sql("SELECT content_hash FROM releases WHERE release_id = ?", [rel.release_id]).fetchone()
                if row is not None:
                    if row[0] == digest:
                        result.unchanged.append(rel.release_id)
                    else:
                        self._check_republication(rel, origin)
                        result.republished.append(rel.release_id)
                    continue
                seq += 1
                self._insert(rel, origin, digest, seq)
                result.added.append(rel.release_id)
                if on_step:
                    on_step(rel.release_id)
            self._sql("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return result

    def _check_republication(self, rel: Release, origin: str) -> None:
        """Accept a file holding part of a stored release with identical figures; else name the first difference.

        A re-publication (a CSV of the workbook's daily sheet, say) carries the same release id
        because it is the same release; storing it again would add nothing, and refusing it would
        make the user invent a release date.
        """
        import pandas as pd

        stored = self._sql(
            "SELECT series, period_start, period_end, value FROM observations WHERE release_id = ?", [rel.release_id]
        ).df()
        for c in ("period_start", "period_end"):
            stored[c] = pd.to_datetime(stored[c]).dt.date
        both = rel.observations.merge(
            stored, on=["series", "period_start", "period_end"], how="left", suffixes=("", "_stored")
        )
        differs = both[both.value_stored.isna() | (both.value != both.value_stored)]
        if differs.empty:
            return
        r = differs.iloc[0]
        what = f"{r.series} for {r.period_start}" + (f" to {r.period_end}" if r.period_end != r.period_start else "")
        found = (
            "which the stored release does not hold"
            if pd.isna(r.value_stored)
            else f"where the stored release has {r.value_stored:,g}"
        )
        raise DataError(
            origin,
            r["loc"] or "release",
            f"release {rel.release_id} is already stored, and this file's figure {what} is {r.value:,g}, {found}; "
            "a release is never overwritten (if this is a new publication, give it its own --release-date)",
        )

    def _insert(self, rel: Release, origin: str, digest: str, seq: int) -> None:
        s = rel.source
        self._sql(
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
            self._sql("INSERT INTO observations SELECT * FROM _new_obs")
        finally:
            self.con.unregister("_new_obs")

    # --- reading ---------------------------------------------------------------------------

    def releases(self) -> pd.DataFrame:
        """Every release, oldest first, with its source and what it holds."""
        import pandas as pd

        df = self._sql(
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
        row = self._sql(
            "SELECT publisher, title, release_date, url, licence, source_note FROM releases WHERE release_id = ?",
            [release_id],
        ).fetchone()
        if row is None:
            raise StoreError(f"no release {release_id!r} in the store; see 'smallboats data status'")
        return Source(row[0], row[1], row[2], row[3], row[4], row[5])

    def _as_of_key(self, as_of: str | None) -> tuple:
        if as_of is None:
            return (dt.date.max, 1 << 30)
        row = self._sql("SELECT release_date, seq FROM releases WHERE release_id = ?", [as_of]).fetchone()
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
        query, params = self.current(series, as_of=as_of, published_by=published_by)
        df = self._sql(f"{query} ORDER BY o.series, o.period_start, o.period_end", params).df()
        for c in ("period_start", "period_end"):
            df[c] = _dates(df[c])
        return df

    def current(
        self, series: str | list[str], *, as_of: str | None = None, published_by: dt.date | None = None
    ) -> tuple[str, list]:
        """The SQL (and its parameters) of :meth:`observations`, unsorted, for a query that reduces it in DuckDB.

        Its columns are ``series, period_start, period_end, value, note, release_id``: for each period,
        the figure of the newest release that holds it, up to ``as_of`` and ``published_by``.
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
        query = """
            SELECT o.series, o.period_start, o.period_end, o.value, o.note, o.release_id
            FROM observations o JOIN releases r USING (release_id)
            WHERE o.series IN (SELECT unnest(?))
              AND (r.release_date < ? OR (r.release_date = ? AND r.seq <= ?))
            QUALIFY row_number() OVER (
                PARTITION BY o.series, o.period_start, o.period_end
                ORDER BY r.release_date DESC, r.seq DESC) = 1
            """
        return query, [ids, rdate, rdate, rseq]

    def holdings(self, series: list[str], *, as_of: str | None = None) -> tuple[list[str], dt.date | None]:
        """The releases that hold figures of ``series`` (as of a release, if given) and their newest period end.

        Two small queries, for a caller that needs to know what a result would read (to key a cache)
        without reading it.
        """
        rdate, rseq = self._as_of_key(as_of)
        where = "o.series IN (SELECT unnest(?)) AND (r.release_date < ? OR (r.release_date = ? AND r.seq <= ?))"
        params = [list(series), rdate, rdate, rseq]
        ids = self._sql(
            f"SELECT DISTINCT o.release_id FROM observations o JOIN releases r USING (release_id) WHERE {where} "
            "ORDER BY 1",
            params,
        ).fetchall()
        newest = self._sql(
            f"SELECT max(o.period_end) FROM observations o JOIN releases r USING (release_id) WHERE {where}", params
        ).fetchone()[0]
        return [r[0] for r in ids], newest

    def daily(self, *, as_of: str | None = None) -> pd.DataFrame:
        """Daily people and boats: columns ``date, people, boats``, one row a day, no gaps.

        Raises:
            StoreError: the store holds no daily figures, or a day is missing.
        """
        return self.daily_from(self.observations(["sb_people", "sb_boats"], as_of=as_of))

    @staticmethod
    def daily_from(obs: pd.DataFrame) -> pd.DataFrame:
        """:meth:`daily` from the observations of ``sb_people`` and ``sb_boats`` already read."""
        import pandas as pd

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
        for r in (old, new):
            if r is not None:
                self._as_of_key(r)  # an unknown release id: a StoreError listing those held
        rel = self.releases()
        if dataset is None and (old or new):
            dataset = rel.set_index("release_id").loc[old or new, "dataset"]
        dataset = dataset or "ho-small-boats-timeseries"
        mine = rel[rel.dataset == dataset].release_id.tolist()
        if len(mine) < 2 and not (old and new):
            known = ", ".join(sorted(set(rel.dataset))) or "none"
            raise StoreError(
                f"the store holds {len(mine)} release(s) of {dataset}; revisions need two (publications held: {known})"
            )
        new = new or mine[-1]
        if old is None:
            if new not in mine or mine.index(new) == 0:
                raise StoreError(f"no release of {dataset} older than {new}; name one with --old")
            old = mine[mine.index(new) - 1]
        return (
            self._sql(
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
        newest = self._sql("SELECT max(period_end) FROM observations WHERE series = 'sb_people'").fetchone()[0]
        return {
            "store": str(self.path),
            "newest_date": newest.isoformat() if newest else None,
            "n_releases": len(rel),
            "n_observations": int(self._sql("SELECT count(*) FROM observations").fetchone()[0]),
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
        import pandas as pd

        if as_of is not None:
            self._as_of_key(as_of)
        if all_releases:
            obs = self._sql("SELECT * FROM observations ORDER BY release_id, series, period_start").df()
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


def _dates(col: pd.Series) -> pd.Series:
    """DuckDB's dates (datetime64) as ``datetime.date`` objects, as ``pd.to_datetime(col).dt.date`` gives them.

    Some ten times faster: NumPy converts whole days to dates without making a Timestamp for each.
    """
    import pandas as pd

    stamps = pd.to_datetime(col)
    values = stamps.to_numpy().astype("datetime64[D]").astype(object)
    values[stamps.isna().to_numpy()] = pd.NaT  # NumPy gives None for a missing day; pandas, NaT
    return pd.Series(values, index=col.index)


def status_json(store: ReleaseStore) -> str:
    """The status as JSON text."""
    return json.dumps(store.status(), indent=2, default=str)
