"""The audit log: events in the mutation's transaction, a hash chain, tamper detection."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from cairn.catalog import Catalog
from cairn.catalog.events import GENESIS, iso_time
from cairn.digest import canonical_json
from cairn.errors import AliasConflict, InvalidInput

from .conftest import log


def _busy(catalog: Catalog) -> None:
    log(catalog, "fraud", 3, metrics={"auc": 0.9})
    catalog.set_alias("fraud", "production", 2, actor="ada")
    catalog.update_version("fraud", 3, tags={"x": "y"}, actor="bob")
    catalog.append_event("gc", "store", actor="gc", after={"removed": 2, "bytes": 1024})


def test_every_mutation_appends_one_chained_event(catalog: Catalog) -> None:
    _busy(catalog)
    events = catalog.events()
    assert [e.seq for e in events] == list(range(1, 8))
    assert [e.action for e in events] == [
        "model.create",
        "version.create",
        "version.create",
        "version.create",
        "alias.set",
        "version.update",
        "gc",
    ]
    prev = GENESIS
    for event in events:
        body = {
            "seq": event.seq,
            "time": iso_time(event.time),
            "actor": event.actor,
            "action": event.action,
            "subject": event.subject,
            "before": event.before,
            "after": event.after,
        }
        assert event.prev_hash == prev
        assert event.hash == hashlib.sha256(prev.encode() + canonical_json(body)).hexdigest()
        prev = event.hash
    assert catalog.verify_audit().ok
    assert catalog.verify_audit().checked == 7


def test_a_failed_mutation_leaves_no_event(catalog: Catalog) -> None:
    log(catalog, "fraud", 2)
    catalog.set_alias("fraud", "production", 1, actor="ada")
    before = catalog.last_seq()
    with pytest.raises(AliasConflict):
        catalog.set_alias("fraud", "production", 2, expected=2, actor="ada")
    assert catalog.last_seq() == before
    assert catalog.verify_audit().ok


def test_event_filters_and_paging(catalog: Catalog) -> None:
    _busy(catalog)
    log(catalog, "fraud_x", 1)
    assert [e.seq for e in catalog.events(after=3, limit=2)] == [4, 5]
    assert [e.subject for e in catalog.events(subject="fraud/3")] == ["fraud/3", "fraud/3"]
    in_model = {e.subject for e in catalog.events(model="fraud")}
    assert in_model == {"fraud", "fraud/1", "fraud/2", "fraud/3", "fraud@production"}
    assert [e.action for e in catalog.events(action="alias.*")] == ["alias.set"]
    with pytest.raises(InvalidInput):
        catalog.events(limit=0)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor", "mallory"),
        ("subject", "fraud/9"),
        ("after", '{"version":3}'),
        ("time", None),  # one microsecond later
        ("hash", "0" * 64),
    ],
)
def test_tampering_names_the_changed_event(
    catalog: Catalog, column: str, value: str | None
) -> None:
    _busy(catalog)
    with catalog.engine.begin() as conn:
        if value is None:
            conn.execute(sa.text("UPDATE events SET time = time + 1 WHERE seq = 5"))
        else:
            conn.execute(sa.text(f'UPDATE events SET "{column}" = :v WHERE seq = 5'), {"v": value})
    report = catalog.verify_audit()
    assert not report.ok and report.first_bad_seq == 5 and report.checked == 4
    assert report.reason and "5" in report.reason


def test_removed_events_are_detected(catalog: Catalog) -> None:
    _busy(catalog)
    with catalog.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM events WHERE seq = 3"))
    report = catalog.verify_audit()
    assert not report.ok and report.first_bad_seq == 3 and "missing" in (report.reason or "")
    with catalog.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM events WHERE seq >= 3"))
    report = catalog.verify_audit()  # a cut tail: the chain head still remembers event 7
    assert not report.ok and report.first_bad_seq == 3 and "removed" in (report.reason or "")


def test_a_rewritten_chain_still_breaks_at_the_first_change(catalog: Catalog) -> None:
    _busy(catalog)
    # Rewrite event 2 and recompute its own hash: event 3 no longer links to it.
    event = catalog.events(after=1, limit=1)[0]
    body = {
        "seq": 2,
        "time": iso_time(event.time),
        "actor": "mallory",
        "action": event.action,
        "subject": event.subject,
        "before": event.before,
        "after": event.after,
    }
    forged = hashlib.sha256(event.prev_hash.encode() + canonical_json(body)).hexdigest()
    with catalog.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE events SET actor = 'mallory', hash = :h WHERE seq = 2"), {"h": forged}
        )
    report = catalog.verify_audit()
    assert not report.ok and report.first_bad_seq == 3 and "link" in (report.reason or "")


def test_registry_events_may_carry_times_and_tuples(catalog: Catalog) -> None:
    from datetime import UTC, datetime

    when = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
    event = catalog.append_event(
        "gc", "store", actor="gc", after={"cutoff": when, "digests": ("a", "b")}
    )
    assert event.after == {"cutoff": "2026-01-31T12:00:00Z", "digests": ["a", "b"]}
    assert catalog.events(action="gc") == [event]
    assert catalog.verify_audit().ok
    with pytest.raises(InvalidInput, match="plain JSON"):
        catalog.append_event("gc", "store", actor="gc", after={"x": float("nan")})
    with pytest.raises(InvalidInput):
        catalog.append_event("", "store", actor="gc")


def test_an_event_slipped_in_past_the_head_is_detected(catalog: Catalog) -> None:
    _busy(catalog)
    last = catalog.events()[-1]
    with catalog.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO events (seq, time, actor, action, subject, prev_hash, hash) "
                "VALUES (8, :t, 'mallory', 'alias.set', 'fraud@production', :p, :h)"
            ),
            {"t": 0, "p": last.hash, "h": "f" * 64},
        )
    report = catalog.verify_audit()
    assert not report.ok and report.first_bad_seq == 8 and report.checked == 7
    assert "beyond the chain head" in (report.reason or "")
