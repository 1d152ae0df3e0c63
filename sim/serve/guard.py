"""The check of every request to the app's callback route (``POST /_dash-update-component``)
before Dash runs the callback: a request that the page cannot send (a slider value that is not a
finite number within its lever's range, a wrong number of sliders, an unknown variant, a pinned A
that is not a valid link of this app, a body that is not the callback's JSON) is answered 400 with
the reason, and nothing is simulated (docs/serve.md, security model).

A link the user opens (the URL's query) is not refused here: the page says why it is refused
("Refused, not simulated: ...") and runs nothing, as the callback does.
"""

from __future__ import annotations

from typing import Callable

from flask import Response, request

from .levers import Lever
from .state import Refused

ROUTE = "/_dash-update-component"
ANSWER = "url.search"
"""The main callback is the one whose outputs include the URL's query."""


def problem_of(body, levers: list[Lever], variants: list[str], parse: Callable[[str], object]) -> str | None:
    """Why the callback request ``body`` (its JSON) is malformed, or None when it may run."""
    if not isinstance(body, dict) or not isinstance(body.get("output"), str) or not isinstance(body.get("inputs"), list):
        return "the request is not a callback request of this app"
    if ANSWER not in body["output"]:
        return None  # another callback (pin/unpin): Dash checks it
    for item in body["inputs"]:
        if isinstance(item, list):  # the sliders, each {"id": {"index": i, "type": "lever"}, "value": v}
            if len(item) != len(levers):
                return "the request does not match this app's levers"
            for k, entry in enumerate(item):
                if not isinstance(entry, dict) or not isinstance(entry.get("id"), dict) or entry["id"].get("index") != k:
                    return "the request does not match this app's levers"
                problem = levers[k].check(entry.get("value"))
                if problem:
                    return problem
        elif not isinstance(item, dict):
            return "the request is not a callback request of this app"
        elif item.get("id") == "variant" and item.get("value") is not None and item.get("value") not in variants:
            return f"unknown variant {item.get('value')!r}"
        elif item.get("id") == "pinned" and item.get("value") is not None:
            if not isinstance(item["value"], str):
                return "the pinned setting A must be a link of this app"
            try:
                parse(item["value"])
            except Refused as exc:
                return f"the pinned setting A: {exc}"
    if not any(isinstance(item, list) for item in body["inputs"]):
        return "the request does not match this app's levers"
    return None


def callback_guard(levers: list[Lever], variants: list[str], parse: Callable[[str], object]):
    """A Flask ``before_request`` hook: 400 with the reason for a malformed callback request."""

    def guard():
        if request.method != "POST" or not request.path.endswith(ROUTE):
            return None
        problem = problem_of(request.get_json(silent=True), levers, variants, parse)
        if problem:
            return Response(f"refused, not simulated: {problem}\n", status=400, mimetype="text/plain")
        return None

    return guard
