"""Analyses that join the data and the model: calibration, and later forecasts, sweeps and sensitivity."""
