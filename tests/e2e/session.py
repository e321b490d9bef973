"""Signing in and out in the browser tests, as the users of tests.factories (one password)."""

from __future__ import annotations

from playwright.sync_api import expect

PASSWORD = "correct horse battery staple"  # every tests.factories user's password


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.locator(".user-link")).to_be_visible()


def sign_out(page) -> None:
    page.click("button.link")
    expect(page.locator(".user-link")).to_have_count(0)
