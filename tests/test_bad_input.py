"""Bad files: one clear error naming the file, the place and the rule; exit 2; store unchanged.

The bad CSV files are in the bad-input corpus (tests/test_corpus_data.py); these are the cases
that check a message in full or need the official workbooks."""

from __future__ import annotations

import shutil


def _status(cli):
    r = cli("data", "status", "--format", "json")
    assert r.code == 0
    return r.json()


def _html(
    rows: str,
    header="<th>Date</th><th>Migrants arrived</th><th>Boats arrived</th>"
    "<th>Boats involved in uncontrolled landings</th><th>Notes</th>",
) -> str:
    return (
        f"<!DOCTYPE html><html><body><table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table></body></html>"
    )


def test_html_without_the_table(tmp_path, home, cli):
    f = tmp_path / "page.html"
    f.write_text("<!DOCTYPE html><html><body><p>Nothing to see</p><table><tr><td>x</td></tr></table></body></html>")
    before = _status(cli)
    r = cli("data", "import", f)
    assert r.code == 2
    assert "page.html" in r.err and "no table with columns" in " ".join(r.err.split())
    assert _status(cli) == before


def test_html_with_a_bad_cell(tmp_path, home, cli):
    f = tmp_path / "last7.html"
    f.write_text(_html('<tr><th scope="row">1 August 2026</th><td>12</td><td>n/a</td><td>0</td><td></td></tr>'))
    r = cli("data", "import", f)
    assert r.code == 2
    msg = " ".join(r.err.split())
    assert "last7.html" in msg and "table row 2, column 'Boats arrived'" in msg and "not a number" in msg


def test_truncated_workbook(shared_data, tmp_path, home, cli):
    src = (shared_data / "home_office_small_boats_thenational/data_small_boats_time_series.ods").read_bytes()
    f = tmp_path / "truncated.ods"
    f.write_bytes(src[: len(src) // 2])
    before = _status(cli)
    r = cli("data", "import", f)
    assert r.code == 2
    assert "truncated.ods" in r.err and "cannot be read as a workbook" in " ".join(r.err.split())
    assert _status(cli) == before


def test_corrupt_workbook(tmp_path, home, cli):
    f = tmp_path / "corrupt.ods"
    f.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 20)
    r = cli("data", "import", f)
    assert r.code == 2 and "corrupt.ods" in r.err


def test_workbook_of_another_publication(shared_data, tmp_path, home, cli):
    f = (
        shared_data
        / "home_office_irregular_migration_brc/irregular-migration-to-the-UK-detailed-dataset-year-ending-september-2023.xlsx"
    )
    before = _status(cli)
    r = cli("data", "import", f)
    assert r.code == 2 and "no sheet SB_01" in " ".join(r.err.split())
    assert _status(cli) == before


def test_workbook_with_a_negative_cell(shared_data, tmp_path, home, cli):
    """A real workbook with one cell changed: the error names the sheet and cell."""
    import pandas as pd

    src = shared_data / "home_office_small_boats_thenational/data_small_boats_time_series.ods"
    sheets = pd.read_excel(src, sheet_name=None, header=None, engine="calamine")
    sheets["SB_01"].iat[45, 1] = -7
    f = tmp_path / "edited.xlsx"
    with pd.ExcelWriter(f) as w:
        for name, df in sheets.items():
            df.to_excel(w, sheet_name=name, header=False, index=False)
    r = cli("data", "import", f)
    assert r.code == 2
    assert "edited.xlsx: SB_01!B46: count -7 is negative" in " ".join(r.err.split())


def test_empty_and_missing_files(tmp_path, home, cli):
    f = tmp_path / "empty.csv"
    f.write_text("")
    assert cli("data", "import", f).code == 2
    r = cli("data", "import", tmp_path / "nope.csv")
    assert r.code == 2 and "no such file" in r.err


def test_bad_release_is_atomic_across_releases(shared_data, tmp_path, home, cli, store):
    """A file that yields several releases, one of them bad, stores none of them."""
    text = (shared_data / "ons_net_migration/ons_ltim_headline_figures_by_release.csv").read_text()
    lines = [ln.replace(",204000,", ",-204000,") for ln in text.splitlines()]
    assert sum(",-204000," in ln for ln in lines) == 1
    f = tmp_path / "ons.csv"
    f.write_text("\n".join(lines) + "\n")
    n = len(store.releases())
    store.close()
    r = cli("data", "import", f)
    assert r.code == 2 and "negative" in r.err
    from smallboats.data.bundle import open_default_store

    with open_default_store(home / "smallboats.duckdb") as s:
        assert len(s.releases()) == n


def test_bad_dates_on_the_command_line(home, cli):
    assert cli("query", "so-far", "--date", "2030-01-01").code == 2
    assert cli("query", "so-far", "--date", "10/07/2025").code == 2
    r = cli("query", "window", "--start", "2025-07-10", "--end", "2025-03-01")
    assert r.code == 2 and "before it starts" in r.err
    r = cli("query", "series", "no_such_series")
    assert r.code == 2 and "valid series" in r.err
    r = cli("query", "so-far", "--date", "2025-07-09", "--as-of-release", "nope@2020-01-01")
    assert r.code == 2 and "no release 'nope@2020-01-01'" in r.err


def test_copy_of_store_is_independent(home, tmp_path):
    shutil.copy(home / "smallboats.duckdb", tmp_path / "copy.duckdb")
    assert (tmp_path / "copy.duckdb").stat().st_size > 0
