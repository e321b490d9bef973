"""Regulator dashboards and the public summary (DESIGN §8): panels of figures read from the rollups
only, each with its chart, its table and its downloads."""
