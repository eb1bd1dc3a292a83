"""The workflow of a service's cases, as declared in its definition (or the default one).

The states are a fixed vocabulary: code, labels and statistics rely on them. A definition
chooses which transitions exist between them and who may take each: a clerk, a lead of the
department, or the citizen (a withdrawal). ``rathaus.cases.services`` enforces it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

State = Literal["received", "in_progress", "waiting_for_citizen", "decided", "closed",
                "forwarded", "withdrawn"]
STATES: tuple[State, ...] = ("received", "in_progress", "waiting_for_citizen", "decided",
                             "closed", "forwarded", "withdrawn")
Outcome = Literal["granted", "refused", "partly_granted"]
Role = Literal["clerk", "lead", "citizen"]
INITIAL: State = "received"
FINAL: State = "closed"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TransitionDef(_Strict):
    """From any of ``from`` to ``to``, taken by one of ``roles``."""

    from_: list[State] = Field(alias="from", min_length=1)
    to: State
    roles: list[Role] = Field(default=["clerk", "lead"], min_length=1)

    @model_validator(mode="after")
    def sensible(self) -> TransitionDef:
        if self.to in self.from_:
            raise ValueError(f"a transition to {self.to!r} cannot start from {self.to!r}")
        if self.to == INITIAL:
            raise ValueError("no transition leads back to 'received'")
        if FINAL in self.from_:
            raise ValueError("'closed' is final: no transition starts from it")
        return self


def _default_transitions() -> list[TransitionDef]:
    def step(from_: list[State], to: State, *roles: Role) -> TransitionDef:
        return TransitionDef.model_validate(
            {"from": from_, "to": to, "roles": list(roles or ("clerk", "lead"))})

    return [
        step(["received", "waiting_for_citizen"], "in_progress"),
        step(["received", "in_progress"], "waiting_for_citizen"),
        step(["in_progress"], "decided"),
        step(["decided"], "in_progress", "lead"),
        step(["received", "in_progress"], "forwarded", "lead"),
        step(["received", "in_progress", "waiting_for_citizen"], "withdrawn",
             "citizen", "clerk", "lead"),
        step(["decided", "forwarded", "withdrawn"], "closed"),
    ]


class WorkflowDef(_Strict):
    """The transitions of a service's cases and the processing time due dates come from."""

    # Working on it should take at most this many calendar days from receipt (the due date);
    # ``processing_time`` says it to citizens in words.
    processing_days: int | None = Field(default=None, ge=1, le=3650)
    transitions: list[TransitionDef] = Field(default_factory=_default_transitions, min_length=1)
    # Four-eyes rule: a notice (Bescheid) a clerk drafts goes out only after a lead other than
    # its drafter has released it.
    notice_release_by_lead: bool = False

    @model_validator(mode="after")
    def coherent(self) -> WorkflowDef:
        seen: set[tuple[str, str]] = set()
        for index, transition in enumerate(self.transitions):
            for source in transition.from_:
                if (source, transition.to) in seen:
                    raise ValueError(
                        f"transitions[{index}]: {source!r} → {transition.to!r} is declared twice")
                seen.add((source, transition.to))
        reachable: set[str] = {INITIAL}
        changed = True
        while changed:
            changed = False
            for transition in self.transitions:
                if transition.to not in reachable and reachable & set(transition.from_):
                    reachable.add(transition.to)
                    changed = True
        if FINAL not in reachable:
            raise ValueError("'closed' cannot be reached from 'received'")
        for transition in self.transitions:
            if not reachable & set(transition.from_):
                raise ValueError(f"no case can reach the start of the transition to "
                                 f"{transition.to!r}")
        return self

    def allowed(self, state: str, role: Role | None) -> list[State]:
        """Return the states ``role`` may move a case in ``state`` to, in declaration order."""
        found: list[State] = []
        for transition in self.transitions:
            offered = state in transition.from_ and (role is None or role in transition.roles)
            if offered and transition.to not in found:
                found.append(transition.to)
        return found

    def roles_for(self, state: str, to: str) -> set[Role]:
        """Return who may move a case from ``state`` to ``to`` (empty: nobody, not declared)."""
        return {role for transition in self.transitions
                if state in transition.from_ and transition.to == to
                for role in transition.roles}


DEFAULT_WORKFLOW = WorkflowDef()
