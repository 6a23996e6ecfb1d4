"""Two people act on the same hidden danger at the same moment: one change wins, the other is
refused with a Conflict (optimistic locking), and nothing is lost or counted twice.

Real concurrency needs two database connections that can wait on each other's row locks, so
this runs on PostgreSQL (SQLite serialises writers; the stale-version refusal is also tested
sequentially in test_services.py and test_hd_views.py on both databases)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from saferisk.core.errors import Conflict
from saferisk.hidden_dangers import services
from saferisk.hidden_dangers.choices import HiddenDangerGrade, HiddenDangerState
from saferisk.hidden_dangers.models import HiddenDanger, HiddenDangerEvent, HiddenDangerTally
from saferisk.hidden_dangers.tests.factories import make_hd


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_second_of_two_concurrent_updates_is_refused_not_lost(world: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs two PostgreSQL connections waiting on a row lock")
    hd = make_hd(world)
    seen = hd.version
    start = threading.Barrier(2)
    outcomes: dict[str, Any] = {}
    deadline = timezone.localdate() + dt.timedelta(days=7)

    def act(name: str, actor: Any, grade: str) -> None:
        try:
            start.wait(timeout=10)
            outcomes[name] = services.assess(
                actor=actor,
                hd=HiddenDanger.objects.get(pk=hd.pk),
                version=seen,
                grade=grade,
                deadline=deadline,
                criteria=["chemical_2017_12"] if grade == HiddenDangerGrade.MAJOR else [],
            )
        except Conflict as exc:
            outcomes[name] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=("filler", world.enterprise_filler, HiddenDangerGrade.GENERAL)),
        threading.Thread(target=act, args=("regulator", world.county_regulator, HiddenDangerGrade.MAJOR)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    won = [name for name, o in outcomes.items() if isinstance(o, HiddenDanger)]
    refused = [name for name, o in outcomes.items() if isinstance(o, Conflict)]
    assert len(won) == 1, outcomes
    assert len(refused) == 1, outcomes
    assert outcomes[refused[0]].code == "stale"
    hd.refresh_from_db()
    winner = outcomes[won[0]]
    assert hd.version == seen + 1
    assert hd.state == HiddenDangerState.ASSESSED
    assert hd.grade == winner.grade
    assert HiddenDangerEvent.objects.filter(hidden_danger=hd, action="assess").count() == 1
    counts = dict(HiddenDangerTally.objects.filter(count__gt=0).values_list("state", "count"))
    assert counts == {HiddenDangerState.ASSESSED: 1}
