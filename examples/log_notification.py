#!/usr/bin/env python3
"""Log a custom notification through the gvi partner API, as a partner's system would.

Standard library only. The API key comes from --token or the GVI_API_KEY environment variable.

    GVI_API_KEY=AbCd1234.secret python examples/log_notification.py \\
        --url https://gvi.example.org --person 42 --delivered-on 2026-03-02 \\
        --response accepted_help --service exit_programme --service employment --source KVV-2026-0113

Every attempt sends the same Idempotency-Key, so a retry after a lost connection, a 5xx or a
429 never logs the notification twice. Exit status: 0 logged, 1 refused (4xx), 2 gave up.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid

RESPONSES = ["accepted_help", "listened", "refused", "not_reached"]
CONFIDENCES = ["confirmed", "probable", "possible", "unverified"]
SERVICES = ["exit_programme", "employment", "housing", "treatment", "education", "protection", "other"]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Log a custom notification (personligt budskap) in gvi.")
    parser.add_argument("--url", required=True, help="The gvi server, e.g. https://gvi.example.org")
    parser.add_argument("--token", default=os.environ.get("GVI_API_KEY"), help="API key (default: $GVI_API_KEY)")
    parser.add_argument("--person", type=int, required=True, help="The person's id in gvi")
    parser.add_argument("--group", type=int, help="The id of the group whose message was delivered")
    parser.add_argument("--delivered-on", required=True, help="Date the message was delivered, YYYY-MM-DD")
    parser.add_argument("--response", required=True, choices=RESPONSES, help="How the person responded")
    parser.add_argument("--note", default="", help="A note on the response")
    parser.add_argument("--service", action="append", default=[], choices=SERVICES, help="A service offered (repeat)")
    parser.add_argument("--delivered-by", type=int, action="append", default=[], help="Delivering organisation id")
    parser.add_argument("--source", required=True, help="Your reference, e.g. a case number")
    parser.add_argument(
        "--confidence", default="confirmed", choices=["confirmed", "probable", "possible", "unverified"]
    )
    parser.add_argument("--language", default="sv", choices=["sv", "en"], help="Language of error messages")
    parser.add_argument("--idempotency-key", default=None, help="Default: a new random key per run")
    parser.add_argument("--retries", type=int, default=3, help="Retries after a network error, 5xx or 429")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("give --token or set GVI_API_KEY")
    return args


def build_body(args) -> dict:
    body = {
        "person": args.person,
        "delivered_on": args.delivered_on,
        "response": args.response,
        "response_note": args.note,
        "services_offered": args.service,
        "source": args.source,
        "confidence": args.confidence,
    }
    if args.group is not None:
        body["group"] = args.group
    if args.delivered_by:
        body["delivering_organisations"] = args.delivered_by
    return body


def post(url: str, token: str, body: dict, *, idempotency_key: str, language: str, timeout: float = 30):
    """POST once. Returns (status, parsed JSON body, headers); raises OSError on a network failure."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode("utf-8"),
        method="POST",
        headers={
            "Authorization": f"Api-Key {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
            "Accept-Language": language,
            "Idempotency-Key": idempotency_key,
        },
    )
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
    url = args.url.rstrip("/") + "/api/v1/custom-notifications/"
    key = args.idempotency_key or str(uuid.uuid4())
    body = build_body(args)
    for attempt in range(args.retries + 1):
        try:
            status, payload, headers = post(url, args.token, body, idempotency_key=key, language=args.language)
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
