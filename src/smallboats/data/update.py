"""Fetch the newest official files from their published addresses and import them as releases.

Only on request (``smallboats data update``): nothing else in smallboats touches the network. The
Home Office's time-series workbook has an address that changes every week, so it is found from the
publication page's link; the "last 7 days" page has a fixed address. Every file is downloaded (with
the import size limit), read and validated before anything is stored, and then all are stored in one
transaction, so a bad or partial download leaves the store as it was.
"""

from __future__ import annotations

import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from smallboats.data.importers import read_file
from smallboats.data.importers.limits import ImportLimits
from smallboats.errors import DataError, UsageError

PUBLICATION_PAGE = (
    "https://www.gov.uk/government/publications/migrants-detected-crossing-the-english-channel-in-small-boats"
)
LAST7_PAGE = PUBLICATION_PAGE + "/migrants-detected-crossing-the-english-channel-in-small-boats-last-7-days"
WORKBOOK_LINK = re.compile(r"""href=["']([^"']*Small_boats_-_time_series\.(?:ods|xlsx))["']""", re.IGNORECASE)
TIMEOUT_S = 30.0
USER_AGENT = "smallboats (data update; https://www.gov.uk is asked for its published files only)"


@dataclass
class Fetched:
    """One file fetched: where from, where it was saved, what it held."""

    name: str
    url: str
    path: Path
    releases: list = field(default_factory=list)


def download(url: str, folder: Path, *, max_bytes: int, timeout: float = TIMEOUT_S) -> Path:
    """Save one address into ``folder``, refusing more than ``max_bytes``; a clear error when unreachable."""
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    name = Path(urllib.parse.urlparse(url).path).name or "page.html"
    if "." not in name:
        name += ".html"
    path = folder / name
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp, path.open("wb") as out:  # noqa: S310 - http(s) only
            got = 0
            while chunk := resp.read(1 << 16):
                got += len(chunk)
                if got > max_bytes:
                    raise DataError(url, "download", f"larger than the import limit of {max_bytes:,} bytes")
                out.write(chunk)
    except urllib.error.HTTPError as e:
        raise UsageError(f"{url}: the server answered {e.code} {e.reason}; nothing was changed") from None
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise UsageError(
            f"cannot reach {url} ({reason}): offline, or the address has moved; nothing was changed"
        ) from None
    return path


def workbook_address(page_html: str, page_url: str) -> str:
    """The time-series workbook's address, from the publication page's link to it."""
    found = WORKBOOK_LINK.findall(page_html)
    if not found:
        raise DataError(page_url, "page", "no link to the time-series workbook (…Small_boats_-_time_series.ods)")
    return urllib.parse.urljoin(page_url, found[0])


def _check_scheme(url: str) -> None:
    if urllib.parse.urlparse(url).scheme not in ("http", "https"):
        raise UsageError(f"{url}: only http and https addresses can be fetched")


def fetch_all(
    *,
    page: str = PUBLICATION_PAGE,
    last7: str | None = LAST7_PAGE,
    extra: tuple[str, ...] = (),
    folder: Path,
    limits: ImportLimits | None = None,
    timeout: float = TIMEOUT_S,
    on_step: Callable[[str], None] | None = None,
) -> list[Fetched]:
    """Download and read the workbook (found from ``page``), the last-7-days page and any extra files."""
    limits = limits or ImportLimits()
    step = on_step or (lambda _s: None)
    for url in (page, last7, *extra):
        if url:
            _check_scheme(url)
    step(f"Fetching {page}")
    page_path = download(page, folder, max_bytes=limits.max_bytes, timeout=timeout)
    html = page_path.read_text(encoding="utf-8", errors="replace")
    wanted = [("time-series workbook", workbook_address(html, page))]
    if last7:
        wanted.append(("last 7 days page", last7))
    wanted += [(f"extra file {i + 1}", u) for i, u in enumerate(extra)]
    out = []
    for name, url in wanted:
        step(f"Fetching the {name}")
        sub = folder / str(len(out))
        sub.mkdir()
        path = download(url, sub, max_bytes=limits.max_bytes, timeout=timeout)
        step(f"Reading the {name}")
        out.append(Fetched(name, url, path, read_file(path, limits=limits)))
    return out


def update(store_opener, **kwargs) -> dict:
    """Fetch, read and store the newest files; return what was added and what changed.

    Args:
        store_opener: ``() -> store`` opened for writing (called only once every file has been read).
        **kwargs: passed to :func:`fetch_all` (``page``, ``last7``, ``extra``, ``limits``, ``timeout``,
            ``on_step``).
    """
    from smallboats.data.changes import changes_between, daily_releases

    with tempfile.TemporaryDirectory(prefix="smallboats-update-") as tmp:
        fetched = fetch_all(folder=Path(tmp), **kwargs)
        releases = [r for f in fetched for r in f.releases]
        with store_opener() as st:
            before = daily_releases(st)
            result = st.load(releases, origin="data update: " + ", ".join(f.url for f in fetched))
            after = daily_releases(st)
            changes = None
            if before and after and after[-1] != before[-1]:
                changes = changes_between(st, before[-1], after[-1]).to_dict()
    return {
        "fetched": [{"name": f.name, "url": f.url, "releases": [r.release_id for r in f.releases]} for f in fetched],
        "added": result.added,
        "unchanged": result.unchanged + getattr(result, "republished", []),
        "changes": changes,
    }
