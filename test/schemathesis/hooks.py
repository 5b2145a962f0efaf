"""Schemathesis hooks for Turnout (loaded by test/api-schemathesis.test.ts).

Three things a schema cannot carry:
- Platform events are accepted only with an HMAC signature over the exact
  bytes sent (docs/contract.md): every /v1/events body is signed here, over
  the bytes the HTTP client will send, with the test tenant's key.
- Times relative to now (an interview starts in the future; a login's `at`
  lies within the last 24 hours): a generated event keeps its shape, and a
  well-formed time in it is moved to a realistic instant.
- "phone or email, not both" between two query parameters, which OpenAPI 3
  cannot express: queries naming both are not generated.
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


@schemathesis.hook
def filter_query(context, query):
    if context.operation is None or context.operation.path != "/v1/candidates/attendance":
        return True
    return not (query and "phone" in query and "email" in query)


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.operation.path != "/v1/events" or case.method.upper() != "POST":
        return
    _realistic_times(case.body)
    if isinstance(case.body, (bytes, bytearray)):
        raw = bytes(case.body)
    elif case.body is None:
        raw = b""
    else:
        # What the requests library sends for a JSON body.
        raw = json.dumps(case.body, allow_nan=False).encode("utf-8")
    t = int(time.time())
    mac = hmac.new(SECRET.encode(), str(t).encode() + b"." + raw, hashlib.sha256).hexdigest()
    case.headers = {**(case.headers or {}), "x-api-key": KEY_ID, "x-signature": f"t={t},v1={mac}"}
