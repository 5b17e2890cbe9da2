"""Every page of the web UI, driven in headless Chromium against a real server."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from playwright.sync_api import Page, expect

from .conftest import MODEL, Served

Shot = Callable[[str], None]


def test_the_ui_is_served_with_its_files(world: Served) -> None:
    index = httpx.get(world.url + "/")
    assert index.status_code == 200
    assert "text/html" in index.headers["content-type"]
    assert "default-src 'self'" in index.headers["content-security-policy"]
    script = httpx.get(world.url + "/ui/static/app.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    missing = httpx.get(world.url + "/ui/static/../__init__.py")
    assert missing.status_code == 404
    assert "/ui/static" not in httpx.get(world.url + "/openapi.json").text


def test_every_module_the_page_imports_is_served_and_nothing_is_remote(world: Served) -> None:
    from cairn.server.ui import STATIC

    seen: set[str] = set()
    todo = ["/ui/static/app.js"]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        answer = httpx.get(world.url + path)
        assert answer.status_code == 200, path
        base = path.rsplit("/", 1)[0]
        for target in re.findall(r'from "(\.{1,2}/[^"]+)"', answer.text):
            parts = f"{base}/{target}".split("/")
            resolved: list[str] = []
            for part in parts:
                if part == "..":
                    resolved.pop()
                elif part != ".":
                    resolved.append(part)
            todo.append("/".join(resolved))
    served = {p.removeprefix("/ui/static/") for p in seen}
    shipped = {p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*.js")}
    assert served == shipped
    for file in STATIC.rglob("*"):
        if file.is_file():
            text = file.read_text()
            urls = re.findall(r"https?://[^\s\"')]+", text)
            assert urls in ([], ["http://www.w3.org/2000/svg"]), (file.name, urls)


def test_models_list_shows_models_and_filters(world: Served, page: Page, shot: Shot) -> None:
    page.goto(world.url + "/")
    row = page.locator(f'#models-table tr[data-model="{MODEL}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("v5")
    expect(row).to_contain_text("production → v3")
    expect(row).to_contain_text("staging")
    expect(row).to_contain_text("risk-team")
    expect(page.locator('#models-table tr[data-model="feature-encoder"]')).to_be_visible()
    shot("models")
    page.fill("#model-filter", "encoder")
    expect(page.locator("#models-table tbody tr")).to_have_count(1)
    expect(page.locator('#models-table tr[data-model="feature-encoder"]')).to_be_visible()
    page.fill("#model-filter", "")
    row.get_by_role("link", name=MODEL).click()
    expect(page).to_have_url(f"{world.url}/#/models/{MODEL}")
    expect(page.locator("#versions-table")).to_be_visible()


def test_model_page_lists_versions_charts_a_metric_and_searches(
    world: Served, page: Page, shot: Shot
) -> None:
    page.goto(f"{world.url}/#/models/{MODEL}")
    expect(page.locator("#versions-table tbody tr")).to_have_count(5)
    expect(page.locator('#aliases-table tr[data-alias="production"]')).to_contain_text("v3")
    chart = page.locator("svg.line-chart")
    expect(chart.locator("circle.point")).to_have_count(5)
    expect(chart).to_contain_text("auc")
    shot("model")
    page.select_option("#chart-metric", "loss")
    expect(chart.locator(".chart-title")).to_have_text("loss")
    page.fill("#version-filter", "metrics.auc > 0.9")
    page.click("#version-search button[type=submit]")
    expect(page.locator("#versions-table tbody tr")).to_have_count(2)
    numbers = page.locator("#versions-table tbody tr").evaluate_all(
        "rows => rows.map(r => Number(r.dataset.version))"
    )
    assert sorted(numbers) == [3, 5]


def test_versions_page_through_with_more(world: Served, page: Page) -> None:
    page.goto(f"{world.url}/#/models/many-versions")
    rows = page.locator("#versions-table tbody tr")
    expect(rows).to_have_count(25)
    page.click("#more-versions")
    expect(rows).to_have_count(40)
    expect(page.locator("#more-versions")).to_be_hidden()
    numbers = rows.evaluate_all("rows => rows.map(r => Number(r.dataset.version))")
    assert numbers == list(range(40, 0, -1))
    expect(page.locator("svg.line-chart circle.point")).to_have_count(40)


def test_version_page_shows_everything_about_a_version(
    world: Served, page: Page, shot: Shot
) -> None:
    v3 = world.facts["versions"][2]
    page.goto(f"{world.url}/#/models/{MODEL}/versions/3")
    expect(page.locator("#digest")).to_have_text(v3.digest)
    metrics = page.locator("table.metrics")
    expect(metrics).to_contain_text("auc")
    expect(metrics).to_contain_text("0.91")
    expect(metrics).to_contain_text("0.33")
    expect(page.locator("table.params")).to_contain_text("0.05")
    expect(page.locator("table.tags")).to_contain_text("candidate")
    expect(page.locator("table.datasets")).to_contain_text("eval")
    expect(page.locator("#files-table")).to_contain_text("weights.bin")
    expect(page.locator("#files-table")).to_contain_text("39.1 KiB")
    expect(page.locator("#files-table tbody tr")).to_have_count(3)
    expect(page.locator(".page-head")).to_contain_text("production")
    shot("version")
    page.locator("ul.parents").get_by_role("link", name=f"{MODEL}/2").click()
    expect(page.locator("#digest")).to_have_text(world.facts["versions"][1].digest)


def test_version_page_summarises_the_flavor(world: Served, page: Page, shot: Shot) -> None:
    page.goto(f"{world.url}/#/models/{MODEL}/versions/5")
    flavor = page.locator("section", has=page.locator("h2", has_text="Flavor"))
    expect(flavor).to_contain_text("sklearn")
    expect(flavor).to_contain_text("skops")
    expect(flavor).to_contain_text("safe format")
    expect(flavor).to_contain_text("dataframe (2 columns): amount float64, country object")
    expect(flavor).to_contain_text("CPython 3.11.9")
    expect(flavor).to_contain_text("scikit-learn==1.5.2")
    expect(page.locator("ul.parents")).to_contain_text("feature-encoder/1")
    shot("version-flavor")


def test_compare_shows_best_values_chart_and_diff(world: Served, page: Page, shot: Shot) -> None:
    page.goto(f"{world.url}/#/models/{MODEL}")
    page.check('#versions-table tr[data-version="1"] input.pick')
    page.check('#versions-table tr[data-version="3"] input.pick')
    page.check('#versions-table tr[data-version="4"] input.pick')
    page.click("#compare-selected")
    table = page.locator("#compare-table")
    expect(table).to_be_visible()
    # auc: larger is better (v3 = 0.91); loss: smaller is better (v3 = 0.33).
    expect(table.locator('tr[data-metric="auc"] td.best')).to_have_text("0.91")
    expect(table.locator('tr[data-metric="loss"] td.best')).to_have_text("0.33")
    expect(page.locator("svg.bar-chart rect.bar")).to_have_count(6)
    diff_auc = page.locator('.diff-block[data-kind="metrics"] tr[data-key="auc"]')
    expect(diff_auc.locator("td.delta")).to_have_text("+0.1")
    expect(diff_auc.locator("td.delta")).to_have_class("num delta better")
    expect(page.locator('.diff-block[data-kind="params"] tr[data-key="lr"] td.delta')).to_have_text(
        "-0.05"
    )
    files = page.locator("#files-diff")
    expect(files).to_contain_text("calibration.json")
    expect(files).to_contain_text("added")
    expect(files).to_contain_text("changed")
    expect(page.locator("#diff-summary")).to_contain_text("new bytes")
    shot("compare")


def test_lineage_graph_has_a_node_per_version_and_an_edge_per_parent(
    world: Served, page: Page, shot: Shot
) -> None:
    page.goto(f"{world.url}/#/models/{MODEL}/lineage")
    graph = page.locator("#lineage-graph")
    expect(graph.locator("g.node.version")).to_have_count(5)
    expect(graph.locator("path.edge.parent")).to_have_count(world.facts["parent_links"])
    expect(graph.locator("g.node.external")).to_have_count(1)
    expect(graph.locator("g.node.dataset")).to_have_count(2)
    edges = graph.locator("path.edge.parent").evaluate_all(
        "es => es.map(e => e.dataset.from + '>' + e.dataset.to).sort()"
    )
    expected = sorted(
        f"{p.model}/{p.number}>{v.model}/{v.number}"
        for v in world.facts["versions"]
        for p in v.parents
    )
    assert edges == expected
    shot("lineage")
    graph.locator(f'g.node.version[data-id="{MODEL}/4"]').click()
    expect(page).to_have_url(f"{world.url}/#/models/{MODEL}/versions/4")


def test_alias_history_lists_every_move(world: Served, page: Page, shot: Shot) -> None:
    page.goto(f"{world.url}/#/models/{MODEL}/aliases")
    production = page.locator("#history-production tbody tr")
    expect(production).to_have_count(5)
    expect(production.first).to_contain_text("fixed threshold")
    expect(page.locator("#history-production")).to_contain_text("alert on false positives")
    expect(page.locator("#history-production")).to_contain_text("alice")
    expect(page.locator("#history-production .chip.move-back")).to_have_count(1)
    shot("aliases")
    page.goto(f"{world.url}/#/models/{MODEL}")
    staging = page.locator('#aliases-table tr[data-alias="staging"]')
    staging.get_by_role("link", name="history").click()
    expect(page.locator("section.focus #history-staging")).to_be_visible()


def test_rollback_button_moves_the_alias(world: Served, page: Page) -> None:
    reg = world.registry
    assert reg.aliases(MODEL)["staging"] == 5
    page.goto(f"{world.url}/#/models/{MODEL}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click('#aliases-table button.rollback[data-alias="staging"]')
    expect(page.locator("#rollback-done")).to_contain_text("from v5 to v4")
    expect(page.locator('#aliases-table tr[data-alias="staging"]')).to_contain_text("v4")
    assert reg.aliases(MODEL)["staging"] == 4
    assert reg.alias_history(f"{MODEL}@staging")[0].reason == "rolled back from the web UI"


def test_rollback_needs_confirmation(world: Served, page: Page) -> None:
    before = world.registry.aliases(MODEL)["production"]
    page.goto(f"{world.url}/#/models/{MODEL}")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click('#aliases-table button.rollback[data-alias="production"]')
    expect(page.locator('#aliases-table tr[data-alias="production"]')).to_contain_text(f"v{before}")
    assert world.registry.aliases(MODEL)["production"] == before


def test_audit_log_pages_and_verifies_the_chain(world: Served, page: Page, shot: Shot) -> None:
    total = world.registry.catalog.last_seq()
    assert total > 50
    page.goto(f"{world.url}/#/audit")
    rows = page.locator("#events-table tbody tr")
    expect(rows).to_have_count(50)
    expect(rows.first).to_have_attribute("data-seq", "1")
    page.click("#verify-chain")
    expect(page.locator("#verify-result")).to_contain_text(f"Chain intact: {total} events")
    shot("audit")
    page.click("#next-events")
    expect(rows.first).to_have_attribute("data-seq", "51")
    page.fill('#audit-filter input[name="action"]', "alias.*")
    page.click("#audit-filter button")
    expect(rows.first).to_contain_text("alias.")
    actions = rows.evaluate_all("rs => rs.map(r => r.children[3].textContent)")
    assert actions and all(a.startswith("alias.") for a in actions)


def test_api_errors_show_a_banner_with_the_hint(world: Served, page: Page, shot: Shot) -> None:
    page.goto(f"{world.url}/#/models/{MODEL}")
    expect(page.locator("#versions-table")).to_be_visible()
    page.fill("#version-filter", "metrics.auc >>> 1")
    page.click("#version-search button[type=submit]")
    banner = page.locator("#banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("invalid input")
    expect(banner.locator(".hint")).not_to_be_empty()
    expect(page.locator("#versions-table tbody tr")).to_have_count(5)
    shot("error")
    page.goto(f"{world.url}/#/models/no-such-model")
    expect(banner).to_contain_text("not found")
    expect(banner).to_contain_text("no-such-model")


def test_compare_picker_builds_the_comparison(world: Served, page: Page) -> None:
    page.goto(f"{world.url}/#/compare")
    page.select_option("#pick-model", MODEL)
    page.locator(".pick-list label", has_text="v2").locator("input").check()
    page.locator(".pick-list label", has_text="v5").locator("input").check()
    expect(page.locator("#compare-refs")).to_have_value(f"{MODEL}/2, {MODEL}/5")
    page.click("#compare-form button[type=submit]")
    expect(page.locator('#compare-table tr[data-metric="auc"] td.best')).to_have_text("0.93")
    expect(
        page.locator('.diff-block[data-kind="metrics"] tr[data-key="loss"] td.delta')
    ).to_have_class("num delta better")
    expect(page.locator(".diff-block[data-kind=lineage]")).to_contain_text("feature-encoder/1")
