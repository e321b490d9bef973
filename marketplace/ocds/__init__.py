"""OCDS 1.1 open data of the tender exchange (DESIGN §8): releases written at every state change,
release packages, records and the feed."""
