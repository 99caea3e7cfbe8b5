"""Charts: a house style and builders that return chart objects with the numbers behind them."""
