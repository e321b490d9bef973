"""Voucher pages: `public` (anyone), `holders` (holders and providers), `officer` (the authority)."""
