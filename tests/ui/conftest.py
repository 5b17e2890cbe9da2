"""The web UI in headless Chromium against a real uvicorn server over a real registry.

Chromium comes from the OS (``/usr/bin/chromium``; ``.ci/run`` installs it) and is driven
by Playwright's Python package; ``playwright install`` is never needed. Set
``CAIRN_UI_SCREENSHOTS=DIR`` to keep a screenshot of every page the tests visit.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

import cairn
from cairn.registry import Registry
from cairn.settings import Settings

CHROMIUM = os.environ.get("CAIRN_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MODEL = "fraud-detector"
# What a flavor records when it saves a model (the shape cairn.flavors writes).
FLAVOR_META = {
    "flavor": "sklearn",
    "format": "skops",
    "safety": {"safe": True, "format": "skops", "scan": None},
    "signature": {
        "inputs": {
            "type": "dataframe",
            "columns": [
                {"name": "amount", "dtype": "float64", "optional": False},
                {"name": "country", "dtype": "object", "optional": False},
            ],
        },
        "outputs": {"type": "tensor", "dtype": "int64", "shape": [-1]},
    },
    "environment": {
        "python": "3.11.9",
        "implementation": "CPython",
        "platform": {"system": "Linux", "machine": "x86_64"},
    },
    "requirements": ["scikit-learn==1.5.2", "skops==0.10.0"],
}

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - the dev extra brings it
    sync_playwright = None  # type: ignore[assignment]
    # The test modules import Playwright: without it, do not even collect them.
    collect_ignore_glob = ["test_*.py"]


def _need_browser() -> None:
    if sync_playwright is None:
        pytest.skip("the UI tests need Playwright: pip install playwright (no browser download)")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"the UI tests need Chromium at {CHROMIUM} (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    """A registry behind a real uvicorn server on loopback."""

    url: str
    registry: Registry
    app: Any
    _server: Any = None
    _thread: threading.Thread | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(15)


def serve(registry: Registry, home: Path, *, auth: bool) -> Served:
    import uvicorn

    from cairn.server.app import create_app

    settings = Settings(home=home, auth=auth, server_secret="ui-test-secret", user="ui-tester")
    app = create_app(registry, settings=settings, webhooks_enabled=False)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="ui-test-uvicorn", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return Served(url, registry, app, server, thread)
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    server.should_exit = True
    raise RuntimeError("the UI test server did not start")


def populate(reg: Registry, root: Path) -> dict[str, Any]:
    """A small but real history: lineage with a merge and an outside parent, datasets,
    aliases moved forward and back, and a model with more versions than one page."""
    reg.actor = "alice"
    data = root / "data"
    data.mkdir()
    (data / "train.csv").write_text("x,y\n1,0\n2,1\n")
    (data / "eval.csv").write_text("x,y\n3,1\n")

    def files(tag: str, extra: bool = False) -> Path:
        folder = root / f"artifact-{tag}"
        folder.mkdir()
        (folder / "weights.bin").write_bytes(os.urandom(40_000))
        (folder / "config.json").write_text(f'{{"tag": "{tag}"}}')
        if extra:
            (folder / "calibration.json").write_text('{"a": 1}')
        return folder

    reg.create_model(
        MODEL, description="Scores card payments.", owner="risk-team", tags={"team": "fraud"}
    )
    enc = reg.log(
        files("enc"), model="feature-encoder", params={"dim": 16}, metrics={"recall": 0.7}
    )
    train = f"train={data / 'train.csv'}"
    evals = f"eval={data / 'eval.csv'}"
    v1 = reg.log(
        files("1"),
        model=MODEL,
        params={"depth": 4, "lr": 0.1},
        metrics={"auc": 0.81, "loss": 0.52},
        datasets=[train],
        description="baseline gradient boosting",
    )
    v2 = reg.log(
        files("2", extra=True),
        model=MODEL,
        params={"depth": 6, "lr": 0.1},
        metrics={"auc": 0.86, "loss": 0.41},
        parents=[v1.ref],
        datasets=[train],
    )
    v3 = reg.log(
        files("3", extra=True),
        model=MODEL,
        params={"depth": 6, "lr": 0.05},
        metrics={"auc": 0.91, "loss": 0.33},
        parents=[v2.ref],
        datasets=[train, evals],
        tags={"stage": "candidate"},
    )
    v4 = reg.log(
        files("4"),
        model=MODEL,
        params={"depth": 8, "lr": 0.05},
        metrics={"auc": 0.89, "loss": 0.35},
        parents=[v2.ref, v3.ref],
    )
    v5 = reg.log(
        files("5"),
        model=MODEL,
        params={"depth": 8, "lr": 0.02},
        metrics={"auc": 0.93, "loss": 0.30},
        parents=[v3.ref, enc.ref],
        flavor="sklearn",
        meta=FLAVOR_META,
    )
    reg.set_alias(MODEL, "production", v1.number, reason="first release")
    reg.set_alias(MODEL, "production", v2.number, reason="better auc")
    reg.set_alias(MODEL, "production", v3.number, reason="weekly retrain")
    reg.rollback(f"{MODEL}@production", reason="alert on false positives")
    reg.set_alias(MODEL, "production", v3.number, reason="fixed threshold")
    reg.set_alias(MODEL, "staging", v4.number)
    reg.set_alias(MODEL, "staging", v5.number, reason="candidate")
    for i in range(40):
        reg.log([data / "train.csv"], model="many-versions", metrics={"acc": 0.5 + i / 100})
    versions = [v1, v2, v3, v4, v5]
    return {
        "versions": versions,
        "parent_links": sum(len(v.parents) for v in versions),
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A registry with history behind a server that runs with authentication off."""
    _need_browser()
    root = tmp_path_factory.mktemp("ui")
    reg = cairn.open(root / "registry")
    assert isinstance(reg, Registry)
    facts = populate(reg, root)
    served = serve(reg, root / "home", auth=False)
    served.facts = facts
    yield served
    served.stop()
    reg.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    _need_browser()
    assert sync_playwright is not None
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page; it fails the test on any JavaScript error or request to another host."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    # expect() polls for 5 s by default; a full parallel test run on 2 cores can need more.
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)
    errors: list[str] = []
    outside: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on(
        "request",
        lambda req: (
            outside.append(req.url)
            if not req.url.startswith(("http://127.0.0.1", "data:", "about:"))
            else None
        ),
    )
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
    assert outside == [], f"the UI fetched from outside the server: {outside}"


@pytest.fixture
def shot(page: Page, request: pytest.FixtureRequest) -> Callable[[str], None]:
    """shot("name"): a full-page screenshot into $CAIRN_UI_SCREENSHOTS, if set."""
    folder = os.environ.get("CAIRN_UI_SCREENSHOTS")

    def take(name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    return take
