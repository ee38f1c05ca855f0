"""`manage.py check_access_log`: walk the access log's hash chain and report any break."""

from django.core.management.base import BaseCommand, CommandError

from gvi import access_chain


class Command(BaseCommand):
    help = "Check the access log's hash chain; exits with an error naming every entry where it breaks."

    def handle(self, *args, **options):
        report = access_chain.check()
        if report.unsealed:
            self.stdout.write(f"{report.unsealed} entries were logged before the chain existed (not checked).")
        if report.intact:
            self.stdout.write(f"The access log's chain is intact ({report.checked} entries checked).")
            return
        for problem in report.breaks:
            self.stdout.write(f"Entry {problem['id']}: {problem['problem']}")
        raise CommandError(f"The access log's chain is broken at {len(report.breaks)} places.")
