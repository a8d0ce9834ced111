"""Recommendations: models behind one small base class, shop rules, metrics, the engine."""
