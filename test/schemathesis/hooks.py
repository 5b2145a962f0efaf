"""Schemathesis hooks for Turnout (loaded by test/api-schemathesis.test.ts).

Three things a schema cannot carry:
- Platform events are accepted only with an HMAC signature over the exact
  bytes sent (docs/contract.md): every /v1/events body is signed here, over
  the bytes the HTTP client will send, with the test tenant's key.
- Times relative to now (an interview starts in the future; a login's `at`
  lies within the last 24 hours): a generated event keeps its shape, and a
  well-formed time in it is moved to a realistic instant.
- Rules the document states in words because JSON Schema cannot, or not in
  a way its tools can use: storable text (no NUL, no unpaired surrogate, in
  the document's description), a policy duration's bounds ("from PT1S to P1D", in each field's description),
  "phone or email, not both" between two query parameters, and an
  Idempotency-Key already used for another request (422, by its nature
  state the generator cannot see). A refusal that names exactly that rule
  for a generated request is the contract, so that one refusal is not
  counted as a failure; any other refusal still is.
"""
import hashlib
import hmac
import json
import os
import re
import time
from datetime import datetime, timedelta, timezone

import schemathesis

KEY_ID = os.environ["TURNOUT_ST_API_KEY"]
SECRET = os.environ["TURNOUT_ST_API_SECRET"]
INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE)


def _iso(at):
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _realistic_times(body):
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        return
    now = datetime.now(timezone.utc)
    data = body["data"]
    if isinstance(data.get("startsAt"), str) and INSTANT.match(data["startsAt"]):
        data["startsAt"] = _iso(now + timedelta(days=3))
    if isinstance(data.get("at"), str) and INSTANT.match(data["at"]):
        data["at"] = _iso(now - timedelta(seconds=5))
    if isinstance(body.get("occurredAt"), str) and INSTANT.match(body["occurredAt"]):
        body["occurredAt"] = _iso(now - timedelta(seconds=5))


BOUNDS = re.compile(r"^must be from \S+ to \S+$")


def _error_details(response):
    try:
        error = response.json()["error"]
    except Exception:
        return None, []
    details = error.get("details")
    return error.get("code"), details if isinstance(details, list) else []


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if type(failure).__name__ != "RejectedPositiveData":
        return True
    code, details = _error_details(response)
    if response.status_code == 422 and code == "idempotency_key_reused":
        return False
    if response.status_code != 400:
        return True
    messages = [d.get("message", "") for d in details if isinstance(d, dict)]
    if not messages:
        return True
    if code == "invalid_policy" and all(BOUNDS.match(m) for m in messages):
        return False
    if case.operation.path == "/v1/candidates/attendance" and messages == ["or email, not both"]:
        return False
    if code == "invalid_request" and messages == ["must not contain NUL characters or unpaired surrogates"]:
        return False
    return True


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.operation.path != "/v1/events" or case.method.upper() != "POST":
        return
    # A request left without the key on purpose (schemathesis checks that it is refused) stays without it.
    headers = case.headers or {}
    if "x-api-key" not in {k.lower() for k in headers}:
        return
    _realistic_times(case.body)
    if isinstance(case.body, (bytes, bytearray)):
        raw = bytes(case.body)
    elif isinstance(case.body, (dict, list, str, int, float, bool)):
        # What the requests library sends for a JSON body.
        raw = json.dumps(case.body, allow_nan=False).encode("utf-8")
    else:
        raw = b""
    t = int(time.time())
    mac = hmac.new(SECRET.encode(), str(t).encode() + b"." + raw, hashlib.sha256).hexdigest()
    rest = {k: v for k, v in headers.items() if k.lower() not in ("x-api-key", "x-signature")}
    case.headers = {**rest, "x-api-key": KEY_ID, "x-signature": f"t={t},v1={mac}"}
