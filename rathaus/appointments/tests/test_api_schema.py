"""The OpenAPI schema says what the API does: every answer is declared, and so is every 422.

For each operation in the served schema, valid and invalid requests are sent. Each answer's
status must be declared for that operation, its body must validate against the declared schema,
and a request the schema calls valid (parameters and body) is never refused as invalid (400,
422), while one it calls invalid always is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from rathaus.appointments.models import Channel

from . import factories
from .agents import agent, bearer, token_for
from .jsonschema import errors

pytestmark = pytest.mark.django_db

@dataclass(frozen=True)
class Call:
    method: str
    path: str  # as in the schema, with {name} for path parameters
    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    body: Any = None  # None: no body; bytes: sent as they are
    token: str = "staff"  # staff, online, none, unknown, forbidden


def _calls(slug: str, day: str, slot_id: int, reference: str) -> list[Call]:
    slots = "/api/v1/appointments/calendars/{slug}/slots"
    bookings = "/api/v1/appointments/bookings"
    one = "/api/v1/appointments/bookings/{id}"
    calls = [Call("get", "/api/v1/appointments/calendars"),
             Call("get", "/api/v1/appointments/calendars", token="online")]
    for date in (day, "2030-01-07", "2000-01-01", "2999-12-31", "0539-10-18", "9999-12-31",
                 "2026-02-30", "2026-3-30", "30.03.2026", "tomorrow", "1774828800", "",
                 f"{day}T10:00", f"{day}\n", "２０２６-03-30"):
        calls.append(Call("get", slots, {"slug": slug}, {"date": date}))
    calls += [Call("get", slots, {"slug": "gibt-es-nicht"}, {"date": day}),
              Call("get", slots, {"slug": slug}),
              Call("get", slots, {"slug": slug}, {"date": day}, token="online")]
    person: dict[str, Any] = {"slot_id": slot_id, "name": "Erika Mustermann"}
    bodies: tuple[Any, ...] = (
                 {**person, "phone": "05121 301-0"}, {**person, "email": "erika@example.org"},
                 {**person, "phone": "+49 511 1", "email": "eva@example.org", "language": "en"},
                 {**person, "slot_id": 999_999, "phone": "0511 2"},
                 {**person, "name": "  Max  ", "phone": "0511 3", "extra": "ignored"},
                 {**person, "name": "M" * 200, "phone": "0511 4"},
                 # refused by the schema
                 person, {**person, "phone": "", "email": ""}, {**person, "phone": "   "},
                 {**person, "phone": "12"}, {**person, "phone": "ruf mich an"},
                 {**person, "phone": "0" * 41}, {**person, "email": "eva(at)example.org"},
                 {**person, "email": "eva@example.org", "language": "fr"},
                 {**person, "name": "   ", "phone": "0511 1"},
                 {**person, "name": "", "phone": "0511 1"},
                 {**person, "name": "E" * 201, "phone": "0511 1"},
                 {**person, "slot_id": str(slot_id), "phone": "0511 1"},
                 {**person, "slot_id": True, "phone": "0511 1"},
                 {**person, "slot_id": 1.5, "phone": "0511 1"},
                 {**person, "slot_id": 0, "phone": "0511 1"},
                 {**person, "slot_id": 2**63, "phone": "0511 1"},
                 {"name": "Eva", "phone": "0511 1"}, {**person, "name": 7, "phone": "0511 1"},
                 [], "Eva", None, 5, b"{slot_id: 1", b"", b"\xff\xfe")
    for body in bodies:
        calls.append(Call("post", bookings, body=body if body is not None else "null"))
    calls.append(Call("post", bookings, body={**person, "phone": "0511 9"}, token="online"))
    for reference_ in (reference, reference.lower().replace("-", ""), "ZZZZ-ZZZZ", "x" * 300):
        calls.append(Call("get", one, {"id": reference_}))
    calls += [Call("delete", one, {"id": "ZZZZ-ZZZZ"}), Call("delete", one, {"id": reference}),
              Call("delete", one, {"id": reference})]
    for token in ("none", "unknown", "forbidden"):
        calls += [Call("get", "/api/v1/appointments/calendars", token=token),
                  Call("get", slots, {"slug": slug}, {"date": day}, token=token),
                  Call("post", bookings, body={**person, "phone": "0511 1"}, token=token),
                  Call("get", one, {"id": reference}, token=token),
                  Call("delete", one, {"id": reference}, token=token)]
    return calls


def _request_errors(operation: dict[str, Any], call: Call, root: dict[str, Any]) -> list[str]:
    """Return where ``call`` breaks the operation's parameters and request body."""
    found = []
    for parameter in operation.get("parameters", []):
        where = call.params if parameter["in"] == "path" else call.query
        if parameter["name"] not in where:
            if parameter.get("required"):
                found.append(f"{parameter['name']}: missing")
            continue
        found += errors(where[parameter["name"]], parameter["schema"], root, parameter["name"])
    body = operation.get("requestBody")
    if body is not None:
        sent = call.body
        try:
            value = json.loads(sent) if isinstance(sent, bytes | str) else sent
        except ValueError:
            return [*found, "body: not JSON"]
        schema = body["content"]["application/json"]["schema"]
        found += errors(value, schema, root, "body")
    return found


def _send(client: Client, call: Call, keys: dict[str, str]) -> Any:
    path = call.path
    for name, value in call.params.items():
        path = path.replace(f"{{{name}}}", value)
    headers = bearer(keys[call.token]) if call.token in keys else {}
    if call.token == "unknown":
        headers = bearer("rth_not-a-token")
    if call.body is None:
        return client.generic(call.method.upper(), path, headers=headers,
                              QUERY_STRING=urlencode(call.query))
    data = call.body if isinstance(call.body, bytes | str) else json.dumps(call.body)
    return client.generic(call.method.upper(), path, data, content_type="application/json",
                          headers=headers)


def test_every_answer_is_declared_and_every_refusal_too(client: Client) -> None:
    from django.contrib.auth.models import User

    root = client.get("/api/v1/openapi.json").json()
    slot = factories.slot(online=3, staff=3)
    keys = {"staff": token_for(agent("telefon")),
            "online": token_for(agent("kiosk"), Channel.ONLINE),
            "forbidden": token_for(User.objects.create_user("sachbearbeiter"))}
    reference = client.post("/api/v1/appointments/bookings",
                            {"slot_id": slot.pk, "name": "Eva", "phone": "0511 0"},
                            content_type="application/json", headers=bearer(keys["staff"])
                            ).json()["id"]
    day = timezone.localtime(slot.starts_at).date().isoformat()
    calls = _calls(slot.calendar.slug, day, slot.pk, reference)

    operations = {(path, method) for path, item in root["paths"].items() for method in item}
    assert {(call.path, call.method) for call in calls} == operations, "every operation, no other"
    problems = []
    for call in calls:
        operation = root["paths"][call.path][call.method]
        response = _send(client, call, keys)
        declared = operation["responses"].get(str(response.status_code))
        label = f"{call.method.upper()} {call.path} {call.params} {call.query} {call.body!r} " \
                f"({call.token}) -> {response.status_code}"
        if declared is None:
            problems.append(f"{label}: status not declared")
            continue
        content = declared.get("content")
        if content is None:
            if response.content:
                problems.append(f"{label}: a body where none is declared")
        else:
            body = response.json()
            found = errors(body, content["application/json"]["schema"], root)
            problems += [f"{label}: {error}" for error in found]
        if call.token in ("none", "unknown", "forbidden"):
            if response.status_code not in (401, 403):
                problems.append(f"{label}: answered without a valid token")
            continue
        wrong = _request_errors(operation, call, root)
        refused = response.status_code in (400, 422)
        if wrong and not refused:
            problems.append(f"{label}: the schema refuses it ({wrong}), the API did not")
        if refused and not wrong:
            problems.append(f"{label}: the schema allows it, the API refused it")
    assert not problems, "\n".join(problems)


def test_the_schema_states_the_limits_and_the_400(client: Client) -> None:
    root = client.get("/api/v1/openapi.json").json()
    post = root["paths"]["/api/v1/appointments/bookings"]["post"]
    assert post["responses"]["400"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"}
    booking = root["components"]["schemas"]["BookingIn"]
    assert [option["required"] for option in booking["anyOf"]] == [["phone"], ["email"]]
    (date,) = (parameter for parameter in root["paths"][
        "/api/v1/appointments/calendars/{slug}/slots"]["get"]["parameters"]
        if parameter["name"] == "date")
    assert errors("0539-10-18", date["schema"], root)
    assert not errors("2026-03-30", date["schema"], root)
