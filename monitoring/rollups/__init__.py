"""Rollups (DESIGN §8): facts per day × region × sector × modality × programme, kept current by
the events' deltas and rebuilt nightly from the source tables. See `models`."""
