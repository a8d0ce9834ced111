"""Personalised marketing: segments, lifetime value, propensity, uplift and campaigns."""
