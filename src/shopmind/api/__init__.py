"""The HTTP service: a thin FastAPI layer over the store and the engines."""

from shopmind.api.app import create_app

__all__ = ["create_app"]
