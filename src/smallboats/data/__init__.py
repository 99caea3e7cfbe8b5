"""The official record: series catalogue, importers, validation, the release store and queries."""
