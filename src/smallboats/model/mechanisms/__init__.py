"""The model's mechanisms, one small class each, with a fixed life cycle: ``init`` then ``step``."""
