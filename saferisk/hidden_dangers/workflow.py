"""The closed loop of a hidden danger (隐患排查治理) as one state machine. Pure: no Django.

    found ──assess──▶ assessed ──plan──▶ rectifying ──report_rectified──▶ rectified
                                             ▲                                │
                                             └────────refuse_acceptance───────┤
                                                                              ▼
                                                   closed ◀──close── accepted ◀──accept

Every change of state of a hidden danger goes through `next_state`: an action that does not
start from the current state is refused with a message that names the actions that do. Who may
take an action and what it needs (a plan, a different person to accept) is checked by the
services; this module only knows the shape of the loop.
"""

from __future__ import annotations

from dataclasses import dataclass


class State:
    FOUND = "found"
    ASSESSED = "assessed"
    RECTIFYING = "rectifying"
    RECTIFIED = "rectified"
    ACCEPTED = "accepted"
    CLOSED = "closed"


STATES = (State.FOUND, State.ASSESSED, State.RECTIFYING, State.RECTIFIED, State.ACCEPTED, State.CLOSED)

STATE_LABELS = {
    State.FOUND: "已登记",
    State.ASSESSED: "已评估",
    State.RECTIFYING: "整改中",
    State.RECTIFIED: "已整改待验收",
    State.ACCEPTED: "已验收",
    State.CLOSED: "已销号",
}

# States in which a hidden danger is still open (counts as not rectified; can be overdue).
OPEN_STATES = (State.FOUND, State.ASSESSED, State.RECTIFYING, State.RECTIFIED)


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    label: str


TRANSITIONS = {
    t.action: t
    for t in (
        Transition("assess", (State.FOUND,), State.ASSESSED, "评估定级"),
        Transition("plan", (State.ASSESSED,), State.RECTIFYING, "制定整改方案"),
        Transition("report_rectified", (State.RECTIFYING,), State.RECTIFIED, "整改完成"),
        Transition("refuse_acceptance", (State.RECTIFIED,), State.RECTIFYING, "验收不通过"),
        Transition("accept", (State.RECTIFIED,), State.ACCEPTED, "验收通过"),
        Transition("close", (State.ACCEPTED,), State.CLOSED, "销号"),
    )
}


class IllegalTransition(Exception):
    """An action that cannot start from the hidden danger's current state."""

    def __init__(self, state: str, action: str) -> None:
        self.state = state
        self.action = action
        allowed = allowed_actions(state)
        label = TRANSITIONS[action].label if action in TRANSITIONS else action
        where = STATE_LABELS.get(state, state)
        if allowed:
            names = "、".join(TRANSITIONS[a].label for a in allowed)
            message = f"隐患当前为“{where}”，不能{label}；此时可以：{names}"
        else:
            message = f"隐患当前为“{where}”，不能{label}；闭环已结束"
        super().__init__(message)
        self.message = message


def allowed_actions(state: str) -> list[str]:
    """The actions that can start from `state`, in the loop's order."""
    return [t.action for t in TRANSITIONS.values() if state in t.sources]


def next_state(state: str, action: str) -> str:
    """The state after `action`, or IllegalTransition if the action cannot start here."""
    transition = TRANSITIONS.get(action)
    if transition is None or state not in transition.sources:
        raise IllegalTransition(state, action)
    return transition.target
