"""Tests of shopmind.pricing."""
