"""Diff, compare, search and the audit chain through the registry."""

from __future__ import annotations

from pathlib import Path

from cairn.registry import Registry


def test_diff_reports_params_metrics_tags_lineage_and_files(reg: Registry, artifact: Path) -> None:
    reg.log(
        artifact,
        model="m",
        params={"depth": 4, "lr": 0.1},
        metrics={"auc": 0.90},
        tags={"team": "a"},
    )
    big = artifact / "weights.bin"
    data = bytearray(big.read_bytes())
    data[-10:] = b"0123456789"
    big.write_bytes(bytes(data))
    (artifact / "notes.txt").write_text("new file")
    (artifact / "config.json").unlink()
    reg.log(
        artifact,
        model="m",
        params={"depth": 6, "lr": 0.1},
        metrics={"auc": 0.93},
        tags={"team": "b"},
        parents=["m/1"],
    )
    d = reg.diff("m/1", "m/2")
    assert [(c.key, c.old, c.new) for c in d.params] == [("depth", 4, 6)]
    auc = d.metrics[0]
    assert auc.key == "auc" and abs((auc.delta or 0) - 0.03) < 1e-9
    assert [(c.key, c.new) for c in d.tags] == [("team", "b")]
    assert [(c.key, c.old, c.new) for c in d.lineage] == [("parent", None, "m/1")]
    changes = {f.path: f.change for f in d.files}
    assert changes == {"config.json": "removed", "notes.txt": "added", "weights.bin": "changed"}
    # Only the last chunk of the 1 MB file changed, plus the new small file.
    assert 0 < d.new_bytes < 300_000


def test_compare_tabulates_metrics_and_params(reg: Registry, artifact: Path) -> None:
    reg.log(artifact, model="m", params={"depth": 4}, metrics={"auc": 0.9})
    reg.log(artifact, model="m", params={"depth": 6}, metrics={"auc": 0.95, "f1": 0.7})
    c = reg.compare(["m/1", "m/2"])
    assert c.metrics == ["auc", "f1"] and c.params == ["depth"]
    assert c.rows[0]["metrics.f1"] is None and c.rows[1]["params.depth"] == 6


def test_search_and_listing(reg: Registry, artifact: Path) -> None:
    for depth in (2, 4, 6):
        reg.log(
            artifact,
            model="m",
            params={"depth": depth},
            metrics={"auc": 0.8 + depth / 100},
            tags={"team": "fraud" if depth > 2 else "ads"},
        )
    page = reg.search('metrics.auc > 0.83 and tags.team = "fraud"')
    assert sorted(v.number for v in page.items) == [2, 3]
    page = reg.search("params.depth in (2, 6)", order_by="metrics.auc desc")
    assert [v.number for v in page.items] == [3, 1]
    first = reg.versions("m", limit=2)
    assert [v.number for v in first.items] == [3, 2] and first.next_token
    rest = reg.versions("m", limit=2, page_token=first.next_token)
    assert [v.number for v in rest.items] == [1]


def test_every_mutation_is_an_event_and_the_chain_verifies(reg: Registry, artifact: Path) -> None:
    reg.log(artifact, model="m")
    reg.set_alias("m", "production", 1)
    reg.archive("m/1")
    actions = [e.action for e in reg.events()]
    assert "version.create" in actions and "alias.set" in actions
    assert all(e.actor == "alice" for e in reg.events())
    report = reg.verify_audit()
    assert report.ok and report.checked == len(reg.events())
