"""Overdue follow-ups escalate to the coordinators; every owner gets a daily digest e-mail.

E-mails go through Django's e-mail backend (the console in development and the demo). They
carry titles, due dates and ids, never a person's name: the details stay in the application.
"""

import logging
from collections import defaultdict
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from gvi.models import DigestDelivery, FollowUp, Role, User

logger = logging.getLogger(__name__)

DIGEST_ROLES = (Role.COORDINATOR, Role.PARTNER_OFFICER)
# Days a digest delivery is remembered (pruned by gvi.retention). One day stops a second mail;
# the rest answers "did this address get Monday's digest?".
DIGEST_DELIVERY_KEEP_DAYS = 30


def _line(follow_up: FollowUp, today: date) -> str:
    overdue = _(" (overdue)") if follow_up.due_date < today else ""
    return _("#%(id)s %(title)s, due %(due)s%(overdue)s, %(owner)s") % {
        "id": follow_up.pk,
        "title": follow_up.title,
        "due": follow_up.due_date.isoformat(),
        "overdue": overdue,
        "owner": follow_up.owner_organisation.name,
    }


def coordinator_emails(programme_id: int) -> list[str]:
    return sorted(
        User.objects.filter(organisation__programme_id=programme_id, role=Role.COORDINATOR, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )


def escalate_overdue(*, today: date | None = None) -> int:
    """Mark open follow-ups past their due date as escalated and tell the programme's coordinators.

    Each follow-up escalates once (a conditional update on `escalated_at`). The e-mail is sent
    inside the transaction: if sending fails, nothing is marked and the job retries.
    """
    today = today or timezone.localdate()
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        candidates = list(
            FollowUp.objects.overdue(on=today).filter(escalated_at__isnull=True).values_list("pk", flat=True)
        )
        if not candidates:
            return 0
        now = timezone.now()
        FollowUp.objects.filter(pk__in=candidates, escalated_at__isnull=True).update(escalated_at=now)
        escalated = FollowUp.objects.filter(pk__in=candidates, escalated_at=now).select_related("owner_organisation")
        by_programme = defaultdict(list)
        for follow_up in escalated:
            by_programme[follow_up.programme_id].append(follow_up)
        messages = []
        for programme_id, items in by_programme.items():
            recipients = coordinator_emails(programme_id)
            if not recipients:
                logger.warning("Programme %s has no coordinator with an e-mail address to escalate to", programme_id)
                continue
            body = "\n".join(
                [_("These follow-ups are overdue and are escalated to the coordinators:"), ""]
                + [_line(item, today) for item in items]
            )
            subject = ngettext(
                "gvi: %(count)d overdue follow-up escalated", "gvi: %(count)d overdue follow-ups escalated", len(items)
            ) % {"count": len(items)}
            messages.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, recipients))
        get_connection().send_messages(messages)
        return sum(len(items) for items in by_programme.values())


def digest_recipients() -> dict[str, list[FollowUp]]:
    """Open follow-ups per e-mail address: the owner user's, else the organisation's contact
    address, else its active coordinators and partner officers."""
    open_follow_ups = list(
        FollowUp.objects.open().select_related("owner_organisation", "owner_user").order_by("due_date", "pk")
    )
    needs_users = {
        fu.owner_organisation_id
        for fu in open_follow_ups
        if not (fu.owner_user and fu.owner_user.email) and not fu.owner_organisation.contact_email
    }
    org_users = defaultdict(list)
    for organisation_id, email in (
        User.objects.filter(organisation_id__in=needs_users, role__in=DIGEST_ROLES, is_active=True)
        .exclude(email="")
        .values_list("organisation_id", "email")
    ):
        org_users[organisation_id].append(email)
    result = defaultdict(list)
    for fu in open_follow_ups:
        if fu.owner_user and fu.owner_user.is_active and fu.owner_user.email:
            emails = [fu.owner_user.email]
        elif fu.owner_organisation.contact_email:
            emails = [fu.owner_organisation.contact_email]
        else:
            emails = org_users[fu.owner_organisation_id]
        for email in emails:
            result[email].append(fu)
    return dict(result)


def _claim(email: str, today: date) -> bool:
    """Insert today's delivery row for `email` in the caller's transaction; False if it exists.

    A concurrent run that inserted the same row first and has not committed makes this insert
    wait (PostgreSQL), then fail on the unique constraint if that run committed."""
    try:
        with transaction.atomic():  # a savepoint, so a conflict leaves the caller's transaction usable
            DigestDelivery.objects.create(recipient=email, day=today)
    except IntegrityError:
        return False
    return True


def send_digests(*, today: date | None = None) -> int:
    """Send each owner one digest of their open follow-ups per day; return how many were sent.

    A recipient already sent today's digest (a DigestDelivery row) is skipped, so a retried or
    concurrent job does not mail twice, whichever worker runs it and whatever the cache holds.
    """
    today = today or timezone.localdate()
    sent = 0
    connection = get_connection()
    # The common case of a rerun (everyone mailed already) in one query, without constraint errors.
    already = set(DigestDelivery.objects.filter(day=today).values_list("recipient", flat=True))
    with translation.override(settings.LANGUAGE_CODE):
        for email, items in sorted(digest_recipients().items()):
            if email in already:
                continue
            overdue = sum(1 for item in items if item.due_date < today)
            # Two numbers, each with its own plural: the parts are translated separately.
            open_part = ngettext("%(count)d open follow-up", "%(count)d open follow-ups", len(items)) % {
                "count": len(items)
            }
            overdue_part = ngettext("%(count)d overdue", "%(count)d overdue", overdue) % {"count": overdue}
            subject = _("gvi: %(open)s (%(overdue)s)") % {"open": open_part, "overdue": overdue_part}
            body = "\n".join([_("Your open follow-ups:"), ""] + [_line(item, today) for item in items])
            # Claim, send, commit: one transaction per recipient. The mark is committed only once
            # the mail server took the message, so a failed send leaves no false mark and the
            # retried job sends it; a concurrent run waits on the uncommitted claim and then skips.
            # Marking after sending, without a claim, would let two runs both send; claiming in a
            # transaction of its own before sending would lose the digest when sending fails.
            # What remains: a worker killed between the send and the commit mails that one
            # recipient again on retry (at least once, never lost).
            with transaction.atomic():
                if not _claim(email, today):
                    continue
                connection.send_messages([EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [email])])
            sent += 1
    return sent
