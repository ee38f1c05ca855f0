"""Reads of a programme's controllers, joint arrangements and processings (issue 17 item 5)."""

from dataclasses import dataclass, field

from gvi.models import JointControllerArrangement, Processing, RecordController


@dataclass
class ControllerEntry:
    controller: str
    contact: str
    organisations: list = field(default_factory=list)  # names
    organisation_ids: set = field(default_factory=set)
    joint_arrangement: JointControllerArrangement | None = None
    processings: list = field(default_factory=list)


@dataclass
class Controllers:
    records: list  # RecordController rows
    arrangements: list
    processings: list
    by_organisation: dict  # organisation id -> RecordController

    def entries(self) -> list[ControllerEntry]:
        """One entry per controller (a legal entity may control several organisations' records)."""
        entries: dict[str, ControllerEntry] = {}
        for record in self.records:
            entry = entries.setdefault(
                record.controller,
                ControllerEntry(controller=record.controller, contact=record.contact),
            )
            entry.organisations.append(record.organisation.name)
            entry.organisation_ids.add(record.organisation_id)
            entry.joint_arrangement = entry.joint_arrangement or record.joint_arrangement
        for processing in self.processings:
            if processing.controller_id:
                owner = processing.controller.controller
                if owner in entries:
                    entries[owner].processings.append(processing)
            else:
                for entry in entries.values():
                    if entry.joint_arrangement and entry.joint_arrangement.pk == processing.joint_arrangement_id:
                        entry.processings.append(processing)
        return list(entries.values())


def programme_controllers(programme_id) -> Controllers:
    """Everything recorded about the programme's controllers, in three queries. Not personal data:
    the programme's own organisation, readable by every user of the programme."""
    records = list(
        RecordController.objects.filter(programme_id=programme_id)
        .select_related("organisation", "joint_arrangement")
        .order_by("controller", "organisation__name")
    )
    arrangements = list(JointControllerArrangement.objects.filter(programme_id=programme_id).order_by("name"))
    processings = list(
        Processing.objects.filter(programme_id=programme_id)
        .select_related("controller__organisation", "joint_arrangement")
        .order_by("name")
    )
    return Controllers(
        records=records,
        arrangements=arrangements,
        processings=processings,
        by_organisation={record.organisation_id: record for record in records},
    )


def withholdings_of(request) -> list:
    """What the extract's reviewer withheld from an access request's extract, with who marked it."""
    return list(request.withholdings.select_related("marked_by").order_by("record_kind", "record_id"))
