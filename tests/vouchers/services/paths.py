"""Both ways a redemption can run on PostgreSQL: in two calls (the function and the single write
statement, PostgreSQL's own) and statement by statement (SQLite's, forced here), so that the rule
tests hold each of them to the same results."""

from __future__ import annotations

import pytest

from vouchers.services import redemptions


@pytest.fixture(params=["two calls", "statement by statement"], autouse=True)
def redemption_path(request, monkeypatch):
    if request.param == "statement by statement":
        monkeypatch.setattr(redemptions, "_redeem_in_two_calls", redemptions._redeem)
    return request.param
