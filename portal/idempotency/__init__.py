"""Idempotent POSTs: the same `Idempotency-Key` from the same user replays the first response."""
