#!/usr/bin/env python3
"""Send supervision status from a probation case system to gvi, through the partner API.

Standard library only. The API key comes from --token or the GVI_API_KEY environment variable.

Record a new supervision (POST /api/v1/supervisions/):

    GVI_API_KEY=AbCd1234.secret python examples/record_supervision.py \\
        --url https://gvi.example.org --person 42 --kind conditional_release \\
        --start-date 2026-03-01 --end-date 2027-02-28 --source KVV-2026-0131

Move or set the end date of one already recorded (PATCH /api/v1/supervisions/<id>/):

    GVI_API_KEY=AbCd1234.secret python examples/record_supervision.py \\
        --url https://gvi.example.org --supervision 77 --end-date 2026-12-31

Only the probation service records supervision (another kind of partner gets a 403). Every attempt
of a POST sends the same Idempotency-Key, so a retry after a lost connection, a 5xx or a 429 never
records the supervision twice; a PATCH sets a value, so repeating it changes nothing more. A key of
the organisation (one that names no person) names the person who acts in X-Acting-User
(--acting-user). Exit status: 0 done, 1 refused (4xx), 2 gave up.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

KINDS = ["probation", "conditional_release", "other"]
CONFIDENCES = ["confirmed", "probable", "possible", "unverified"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Record a supervision (skyddstillsyn, villkorlig frigivning) in gvi.")
    parser.add_argument("--url", required=True, help="The gvi server, e.g. https://gvi.example.org")
    parser.add_argument("--token", default=os.environ.get("GVI_API_KEY"), help="API key (default: $GVI_API_KEY)")
    parser.add_argument("--acting-user", default="", help="Username of the person who acts (organisation keys)")
    parser.add_argument("--supervision", type=int, help="Change this supervision (its id) instead of recording one")
    parser.add_argument("--person", type=int, help="The person's id in gvi (a new supervision)")
    parser.add_argument("--kind", choices=KINDS, help="Kind of supervision")
    parser.add_argument("--start-date", help="YYYY-MM-DD")
    parser.add_argument("--end-date", help="YYYY-MM-DD; 'none' clears it (a change)")
    parser.add_argument("--source", help="Your reference, e.g. a case number")
    parser.add_argument("--confidence", default=None, choices=CONFIDENCES)
    parser.add_argument("--language", default="sv", choices=["sv", "en"], help="Language of error messages")
    parser.add_argument("--idempotency-key", default=None, help="Default: a new random key per run")
    parser.add_argument("--retries", type=int, default=3, help="Retries after a network error, 5xx or 429")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("give --token or set GVI_API_KEY")
    if args.supervision is None and not (args.person and args.kind and args.start_date and args.source):
        parser.error("a new supervision needs --person, --kind, --start-date and --source")
    return args


def build_body(args) -> dict:
    """The POST body for a new supervision, or the PATCH body with only the fields given."""
    end_date = None if (args.end_date or "").lower() == "none" else args.end_date
    if args.supervision is not None:
        body = {"kind": args.kind, "start_date": args.start_date, "source": args.source}
        body = {key: value for key, value in body.items() if value is not None}
        if args.end_date is not None:
            body["end_date"] = end_date
    else:
        body = {"person": args.person, "kind": args.kind, "start_date": args.start_date, "source": args.source}
        if end_date:
            body["end_date"] = end_date
    if args.confidence:
        body["confidence"] = args.confidence
    return body


def send(method: str, url: str, args, body: dict, idempotency_key: str, timeout: float = 30):
    """Send once. Returns (status, parsed JSON body, headers); raises OSError on a network failure."""
    headers = {
        "Authorization": f"Api-Key {args.token}",
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Accept-Language": args.language,
    }
    if method == "POST":
        headers["Idempotency-Key"] = idempotency_key
    if args.acting_user:
        headers["X-Acting-User"] = args.acting_user
    request = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null"), response.headers
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = {"detail": raw.decode("utf-8", "replace")[:500]}
        return error.code, payload, error.headers


def main(argv=None) -> int:
    args = parse_args(argv)
    base = args.url.rstrip("/") + "/api/v1/supervisions/"
    method, url = ("PATCH", f"{base}{args.supervision}/") if args.supervision is not None else ("POST", base)
    key = args.idempotency_key or str(uuid.uuid4())
    body = build_body(args)
    for attempt in range(args.retries + 1):
        try:
            status, payload, headers = send(method, url, args, body, key)
        except OSError as error:  # connection refused, reset, timeout: the same key makes a retry safe
            status, payload, headers = None, {"detail": str(error)}, {}
        if status is not None and status < 300:
            print(json.dumps(payload, ensure_ascii=False, indent=2))
            return 0
        if status is not None and 400 <= status < 500 and status != 429:
            print(json.dumps(payload, ensure_ascii=False, indent=2), file=sys.stderr)
            return 1
        if attempt < args.retries:
            wait = float((headers or {}).get("Retry-After") or 2**attempt)
            print(
                f"Attempt {attempt + 1} failed ({status or payload['detail']}); retrying in {wait:.0f} s",
                file=sys.stderr,
            )
            time.sleep(min(wait, 60))
    print(json.dumps(payload, ensure_ascii=False, indent=2), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
