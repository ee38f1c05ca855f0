#!/usr/bin/env python3
"""The main flows of the gvi partner API through a client generated from its schema.

Generate the client once (openapi-python-client, as pinned in requirements-dev.txt), with the
configuration beside this file, so that its package is called `gvi_client`:

    pip install openapi-python-client
    openapi-python-client generate --url https://gvi.example.org/api/schema/?format=json \\
        --config examples/openapi-python-client.yaml --output-path gvi-client
    pip install ./gvi-client

Then, with a key of your organisation:

    GVI_API_KEY=AbCd1234.secret python examples/partner_client.py --url https://gvi.example.org \\
        --source KVV-2026-0113 --acting-user anna.handlaggare

A key of the organisation (one that names no person) must name the person who reads in the
X-Acting-User header (`--acting-user`, the username of an active user of your organisation):
every read of personal data is attributable to a person. A per-person key needs no header.

It lists the persons you may see page by page, reads the first, logs a custom notification for
them with an Idempotency-Key, sends the same request again (the first response is replayed and
nothing new is stored), shows how a refused body and a missing record come back (the `Error`
model) and prints what happened as JSON. tests/api/test_generated_client.py runs these functions
against a live server.
"""

import argparse
import datetime as dt
import json
import os
import sys
import uuid
from urllib.parse import parse_qs, urlparse

from gvi_client import AuthenticatedClient
from gvi_client.api.custom_notifications import custom_notifications_create
from gvi_client.api.persons import persons_list, persons_retrieve
from gvi_client.models import (
    CustomNotificationInput,
    CustomNotificationOutput,
    Error,
    NotificationResponse,
    PersonOutput,
    PersonsListOrdering,
    ServiceKind,
)
from gvi_client.types import UNSET


def connect(url: str, key: str, language: str = "en", acting_user: str = "") -> AuthenticatedClient:
    """A client that sends the API key (Authorization: Api-Key <key>), and the person who acts
    (X-Acting-User) when given, and raises on any status the schema does not document."""
    headers = {"Accept-Language": language}
    if acting_user:
        headers["X-Acting-User"] = acting_user
    return AuthenticatedClient(
        base_url=url,
        token=key,
        prefix="Api-Key",
        headers=headers,
        raise_on_unexpected_status=True,
        timeout=30,
    )


def all_persons(client: AuthenticatedClient, page_size: int = 50) -> list[PersonOutput]:
    """Every person the key may see, following the cursor of each page's `next` link."""
    persons, cursor = [], None
    while True:
        page = persons_list.sync(
            client=client, page_size=page_size, ordering=PersonsListOrdering.ID, cursor=cursor or UNSET
        )
        if isinstance(page, Error):
            raise RuntimeError(f"{page.status} {page.code}: {page.detail}")
        persons += page.results
        if not page.next_:
            return persons
        cursor = parse_qs(urlparse(page.next_).query)["cursor"][0]


def read_person(client: AuthenticatedClient, person_id: int) -> PersonOutput | Error:
    return persons_retrieve.sync(client=client, id=person_id)


def log_notification(client: AuthenticatedClient, body: CustomNotificationInput, key: str | None = None):
    """POST once (with Idempotency-Key `key`): (status, CustomNotificationOutput or Error, replayed?)."""
    response = custom_notifications_create.sync_detailed(client=client, body=body, idempotency_key=key or UNSET)
    return response.status_code, response.parsed, response.headers.get("Idempotent-Replayed") == "true"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True, help="The gvi server, e.g. https://gvi.example.org")
    parser.add_argument("--source", required=True, help="Your reference for the notification, e.g. a case number")
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--language", default="en", choices=["sv", "en"], help="Language of error messages")
    parser.add_argument(
        "--acting-user",
        default=os.environ.get("GVI_ACTING_USER", ""),
        help="Your username, sent as X-Acting-User (required with an organisation's key)",
    )
    args = parser.parse_args(argv)
    key = os.environ.get("GVI_API_KEY")
    if not key:
        parser.error("set GVI_API_KEY")
    client = connect(args.url, key, args.language, args.acting_user)
    report = {}

    persons = all_persons(client, args.page_size)
    report["persons"] = len(persons)
    if not persons:
        print(json.dumps(report))
        return 0
    person = read_person(client, persons[0].id)
    report["read"] = person.id

    body = CustomNotificationInput(
        person=person.id,
        delivered_on=dt.date.today(),
        response=NotificationResponse.ACCEPTED_HELP,
        services_offered=[ServiceKind.EMPLOYMENT],
        source=args.source,
    )
    idempotency_key = str(uuid.uuid4())
    status, logged, _replayed = log_notification(client, body, idempotency_key)
    if not isinstance(logged, CustomNotificationOutput):
        print(json.dumps(logged.to_dict()), file=sys.stderr)
        return 1
    report["logged"] = {"status": status, "id": logged.id}
    # A retry (after a lost connection, say) with the same key: the first answer, nothing new.
    status, again, replayed = log_notification(client, body, idempotency_key)
    report["replayed"] = {"status": status, "id": again.id, "replayed": replayed}

    # Refusals come back as the Error model: branch on `code`, show `detail` and `errors`.
    refused = log_notification(client, CustomNotificationInput.from_dict({**body.to_dict(), "person": 0}))[1]
    report["refused"] = {"code": str(refused.code), "errors": refused.errors.to_dict()}
    missing = read_person(client, 2**62)
    report["missing"] = {"code": str(missing.code), "detail": missing.detail}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
