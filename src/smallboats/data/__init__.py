"""The official record: series catalogue, importers, validation, the release store and queries."""

# How long an import or a reader waits for another process to release the store's lock. Assumption:
# an import of the largest official file takes a few seconds and a read far less, so half a minute
# covers any honest wait; past that something is stuck and the user should be told. Kept here, not
# in the store module, so that the command line can show it in --help without loading DuckDB.
LOCK_TIMEOUT_S = 30.0
