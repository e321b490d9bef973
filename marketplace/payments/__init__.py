"""Payments of milestones: the Stripe gateway (the only code that imports `stripe`)."""
