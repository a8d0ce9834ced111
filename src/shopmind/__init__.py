"""shopmind: a self-hosted AI engine that helps an online shop sell more."""

__version__ = "0.1.0"

__all__ = ["__version__"]
