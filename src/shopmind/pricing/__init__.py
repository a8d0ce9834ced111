"""Pricing: price elasticity of demand, demand curves and (elsewhere) price optimisation."""
