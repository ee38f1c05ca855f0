"""Existing data under the call-in lifecycle.

- A call-in in the past that is still "planned" but has attendance recorded took place: it is
  marked held (the rules now make follow-ups only for held call-ins, and attendance can be
  recorded only for a held call-in or on its day). The history names the migration as the reason.
- Existing speakers get a speaker kind from their message and organisation, and a speaking
  order (in the order they were entered).
"""

from django.db import migrations
from django.utils import timezone

MARKED_HELD_REASON = "marked held: attendance was recorded (migration)"
RECORDED = ("attended", "no_show", "excused")


def mark_past_call_ins_with_attendance_held(apps, schema_editor):
    CallIn = apps.get_model("gvi", "CallIn")
    HistoricalCallIn = apps.get_model("gvi", "HistoricalCallIn")
    Invitation = apps.get_model("gvi", "Invitation")
    now = timezone.now()
    with_attendance = Invitation.objects.filter(status__in=RECORDED).values("call_in_id")
    call_ins = list(CallIn.objects.filter(status="planned", scheduled_at__lt=now, pk__in=with_attendance))
    if not call_ins:
        return
    CallIn.objects.filter(pk__in=[c.pk for c in call_ins]).update(status="held", status_changed_at=now)
    fields = [field.attname for field in CallIn._meta.concrete_fields]
    HistoricalCallIn.objects.bulk_create(
        HistoricalCallIn(
            **{name: getattr(call_in, name) for name in fields if name not in ("status", "status_changed_at")},
            status="held",
            status_changed_at=now,
            history_date=now,
            history_type="~",
            history_change_reason=MARKED_HELD_REASON,
        )
        for call_in in call_ins
    )


def speaker_kind(message_kind: str, organisation_kind: str | None) -> str:
    if message_kind == "enforcement":
        return {"police": "police", "probation": "probation"}.get(organisation_kind, "other")
    if message_kind == "help":
        return "social_services" if organisation_kind == "municipality" else "other"
    return "community"


def speaker_kinds_and_order(apps, schema_editor):
    CallInSpeaker = apps.get_model("gvi", "CallInSpeaker")
    speakers = list(CallInSpeaker.objects.select_related("organisation").order_by("call_in_id", "id"))
    position, previous = 0, None
    for speaker in speakers:
        position = position + 1 if speaker.call_in_id == previous else 1
        previous = speaker.call_in_id
        speaker.position = position
        speaker.kind = speaker_kind(speaker.message_kind, speaker.organisation.kind if speaker.organisation else None)
    CallInSpeaker.objects.bulk_update(speakers, ["position", "kind"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("gvi", "0023_call_in_lifecycle_and_speakers"),
    ]

    operations = [
        migrations.RunPython(mark_past_call_ins_with_attendance_held, migrations.RunPython.noop),
        migrations.RunPython(speaker_kinds_and_order, migrations.RunPython.noop),
    ]
