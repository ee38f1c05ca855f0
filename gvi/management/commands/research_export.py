"""Write an approved research export's data package (a zip) to a file, as a coordinator."""

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from gvi.audit import log_access
from gvi.models import AccessAction, ResearchExport, User
from gvi.research_export import write_package
from gvi.services.research_exports import may_handle_research_exports


class Command(BaseCommand):
    help = "Write an approved research export (Frictionless Data Package, zipped) to FILE."

    def add_arguments(self, parser):
        parser.add_argument("export_id", type=int, help="The id of the approved research export.")
        parser.add_argument("--user", required=True, help="The coordinator who takes the package out (logged).")
        parser.add_argument("--output", required=True, help="The zip file to write.")

    def handle(self, *args, export_id, user, output, **options):
        try:
            coordinator = User.objects.select_related("organisation").get(username=user, is_active=True)
        except User.DoesNotExist as error:
            raise CommandError(f"No active user {user!r}.") from error
        if not may_handle_research_exports(coordinator):
            raise CommandError(f"{user} is not a coordinator who may take out a research export.")
        try:
            export = ResearchExport.objects.get(pk=export_id, programme_id=coordinator.programme_id)
        except ResearchExport.DoesNotExist as error:
            raise CommandError(f"No research export {export_id} in {user}'s programme.") from error
        try:
            with open(output, "wb") as stream:
                suppression = write_package(coordinator, export, stream)
        except PermissionDenied as error:
            raise CommandError(str(error)) from error
        log_access(
            user=coordinator,
            action=AccessAction.EXPORT,
            record_kind="research_export",
            objects=[export],
            channel="export",
            reason=f"research export {export.pk}",
        )
        self.stdout.write(f"Wrote {output}. Suppressed: {suppression.as_dict()}")
