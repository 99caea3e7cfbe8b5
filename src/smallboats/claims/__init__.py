"""Published figures as declared data, recomputed from the store with a verdict."""
