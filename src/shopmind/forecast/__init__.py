"""Demand forecasting: per-product series, local and global models, quantiles, backtests."""
