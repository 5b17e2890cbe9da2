"""Signing in when the server requires authentication (the default)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

import cairn
from cairn.governance.roles import Role
from cairn.registry import Registry

from .conftest import MODEL, Served, _need_browser, serve

Shot = Callable[[str], None]


@pytest.fixture
def guarded_world(tmp_path: Path) -> Iterator[Served]:
    """A server with auth on; ``ada`` may view one model but not the other."""
    _need_browser()
    reg = cairn.open(tmp_path / "registry")
    assert isinstance(reg, Registry)
    (tmp_path / "w.bin").write_bytes(os.urandom(1000))
    reg.log([tmp_path / "w.bin"], model=MODEL, metrics={"auc": 0.77})
    reg.log([tmp_path / "w.bin"], model="secret-model", metrics={"auc": 0.5})
    served = serve(reg, tmp_path / "home", auth=True)
    accounts = served.app.state.cairn.accounts
    accounts.create_user("ada", "ada-password")
    accounts.grant("ada", MODEL, Role.viewer)
    yield served
    served.stop()
    reg.close()


def test_login_flow(guarded_world: Served, page: Page, shot: Shot) -> None:
    page.goto(guarded_world.url + "/")
    form = page.locator("form#login")
    expect(form).to_be_visible()
    shot("login")
    page.fill('input[name="username"]', "ada")
    page.fill('input[name="password"]', "not-her-password")
    page.click('form#login button[type="submit"]')
    expect(page.locator("#banner")).to_contain_text("wrong user name or password")
    expect(form).to_be_visible()

    page.fill('input[name="password"]', "ada-password")
    page.click('form#login button[type="submit"]')
    expect(page.locator(f'#models-table tr[data-model="{MODEL}"]')).to_be_visible()
    expect(page.locator('#models-table tr[data-model="secret-model"]')).to_have_count(0)
    expect(page.locator("#who")).to_contain_text("ada")
    expect(page.locator("#banner")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('cairn.token')")

    # The token lasts for the browser session: a reload stays signed in.
    page.goto(f"{guarded_world.url}/#/models/{MODEL}/versions/1")
    page.reload()
    expect(page.locator("table.metrics")).to_contain_text("0.77")
    # A viewer may read metadata but not download artifacts: the file list says so.
    expect(page.get_by_text("The file list is not available to you")).to_be_visible()

    page.click("#logout")
    expect(form).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('cairn.token')") is None


def test_a_revoked_session_asks_to_sign_in_again(guarded_world: Served, page: Page) -> None:
    page.goto(guarded_world.url + "/")
    # Let the first load finish (its 401 clears any token) before planting a stale one.
    expect(page.locator("form#login")).to_be_visible()
    page.evaluate("sessionStorage.setItem('cairn.token', 'cairn_not_a_real_token')")
    page.reload()
    expect(page.locator("form#login")).to_contain_text("sign in again")
    expect(page.locator("#banner")).to_contain_text("unknown, revoked or expired")
