"""The hidden-danger state machine: every allowed transition leads where the loop says, every
other (state, action) pair is refused with a message naming what is allowed."""

from __future__ import annotations

import itertools

import pytest

from saferisk.hidden_dangers.workflow import (
    STATES,
    TRANSITIONS,
    IllegalTransition,
    State,
    allowed_actions,
    next_state,
)

# The loop as the issue states it, written out independently of the module's table.
EXPECTED = {
    (State.FOUND, "assess"): State.ASSESSED,
    (State.ASSESSED, "plan"): State.RECTIFYING,
    (State.RECTIFYING, "report_rectified"): State.RECTIFIED,
    (State.RECTIFIED, "accept"): State.ACCEPTED,
    (State.RECTIFIED, "refuse_acceptance"): State.RECTIFYING,
    (State.ACCEPTED, "close"): State.CLOSED,
}
PAIRS = list(itertools.product(STATES, [*TRANSITIONS, "reopen"]))


@pytest.mark.parametrize(("state", "action"), [p for p in PAIRS if p in EXPECTED])
def test_every_allowed_transition(state: str, action: str) -> None:
    assert next_state(state, action) == EXPECTED[(state, action)]


@pytest.mark.parametrize(("state", "action"), [p for p in PAIRS if p not in EXPECTED])
def test_every_forbidden_transition_is_refused(state: str, action: str) -> None:
    with pytest.raises(IllegalTransition) as exc:
        next_state(state, action)
    assert exc.value.state == state
    assert "不能" in exc.value.message


def test_the_refusal_names_what_is_allowed() -> None:
    with pytest.raises(IllegalTransition) as exc:
        next_state(State.RECTIFYING, "close")
    assert exc.value.message == "隐患当前为“整改中”，不能销号；此时可以：整改完成"
    with pytest.raises(IllegalTransition) as exc:
        next_state(State.CLOSED, "assess")
    assert exc.value.message.endswith("闭环已结束")


def test_the_loop_reaches_closed_from_found_and_nothing_leaves_closed() -> None:
    state = State.FOUND
    for action in (
        "assess",
        "plan",
        "report_rectified",
        "refuse_acceptance",
        "report_rectified",
        "accept",
        "close",
    ):
        state = next_state(state, action)
    assert state == State.CLOSED
    assert allowed_actions(State.CLOSED) == []
    assert allowed_actions(State.RECTIFIED) == ["refuse_acceptance", "accept"]
