"""Write an exercise's after-action report to a file, in any of the app's formats."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wargame.exercises.models import Exercise
from wargame.reports.gather import Options, report_data
from wargame.reports.models import ReportSettings
from wargame.reports.renderers import render


class Command(BaseCommand):
    help = "Export an exercise's after-action report as HTML, PDF, a ZIP of CSV files, or JSON."

    def add_arguments(self, parser):
        parser.add_argument("exercise_id", type=int)
        parser.add_argument("--format", choices=["html", "pdf", "csv", "json"], default="html")
        parser.add_argument(
            "-o", "--output", required=True, help="File to write, or '-' for standard output."
        )
        names = parser.add_mutually_exclusive_group()
        names.add_argument("--names", dest="names", action="store_true", default=None)
        names.add_argument(
            "--no-names", dest="names", action="store_false", help="Leave participants' names out."
        )
        msgs = parser.add_mutually_exclusive_group()
        msgs.add_argument("--messages", dest="messages", action="store_true", default=None)
        msgs.add_argument("--no-messages", dest="messages", action="store_false")

    def handle(self, *args, exercise_id: int, format: str, output: str, **options):
        if not Exercise.objects.filter(pk=exercise_id).exists():
            raise CommandError(f"No exercise {exercise_id}.")
        saved = Options.of(ReportSettings.objects.filter(exercise_id=exercise_id).first())
        chosen = Options(
            include_names=saved.include_names if options["names"] is None else options["names"],
            include_messages=(
                saved.include_messages if options["messages"] is None else options["messages"]
            ),
        )
        content = render(report_data(exercise_id, options=chosen), format)
        if output == "-":
            sys.stdout.buffer.write(content)
            sys.stdout.buffer.flush()
            return
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        self.stderr.write(f"Wrote {path} ({len(content):,} bytes, {format}).")
