from django.core.management.base import BaseCommand, CommandError

from wargame.engine import ScenarioError, load_scenario


class Command(BaseCommand):
    help = "Check a scenario file: a summary if it is valid, every problem as file:line if not."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The scenario's YAML file.")

    def handle(self, *args, path: str, **options):
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            count = len(exc.problems)
            raise CommandError(f"{count} problem{'s' if count != 1 else ''} found.") from None
        out = self.stdout.write
        out(
            self.style.SUCCESS(
                f"{path}: valid scenario {scenario.id!r} (version {scenario.version})"
            )
        )
        out(f"  {scenario.title}")
        out(f"  teams      {len(scenario.teams)}: " + ", ".join(t.name for t in scenario.teams))
        for team in scenario.teams:
            out(f"  actions    {team.name}: {len(team.actions)}")
        out(f"  indicators {len(scenario.indicators)}")
        out(f"  rules      {len(scenario.rules)}")
        out(f"  events     {len(scenario.events)}")
        out(f"  futures    {len(scenario.futures)}: " + ", ".join(f.name for f in scenario.futures))
        out(
            f"  questions  {len(scenario.questionnaires.pre)} before, "
            f"{len(scenario.questionnaires.post)} after"
        )
        turns = scenario.turns
        out(f"  turns      {turns.default} (from {turns.min} to {turns.max})")
