import json

from django.core.management.base import BaseCommand, CommandError

from wargame.engine import MIXED, STRATEGIES, simulate
from wargame.exercises.scenarios import get_scenario


class Command(BaseCommand):
    help = "Play whole exercises with bot teams (Monte Carlo) and show where they end."

    def add_arguments(self, parser):
        parser.add_argument("--scenario", default="japan-korea-2025")
        parser.add_argument("--runs", type=int, default=1000)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--turns", type=int, default=None)
        parser.add_argument(
            "--strategy",
            action="append",
            default=[],
            metavar="TEAM=NAME",
            help=f"A team's bot strategy: {', '.join((*STRATEGIES, MIXED))} (default {MIXED}).",
        )
        parser.add_argument("--json", action="store_true", help="Machine-readable output.")

    def handle(self, *args, **options):
        try:
            scenario = get_scenario(options["scenario"])
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        strategies = self._strategies(scenario, options["strategy"])
        if options["runs"] < 1:
            raise CommandError("--runs must be at least 1.")
        result = simulate(
            scenario,
            runs=options["runs"],
            seed=options["seed"],
            turns=options["turns"],
            strategies=strategies,
        )
        if options["json"]:
            self.stdout.write(json.dumps(result.to_dict(), indent=2))
            return
        out = self.stdout.write
        names = {future.id: future.name for future in scenario.futures}
        out(f"{scenario.title}: {result.runs} runs of {result.turns} turns, seed {result.seed}")
        out("Futures")
        for future_id, share in result.shares.items():
            out(f"  {share:6.1%}  {names[future_id]}")
        out("Indicators at the end (10th percentile / median / 90th percentile)")
        for indicator in scenario.indicators:
            dist = result.indicators[indicator.id]
            out(f"  {dist.p10:5.1f} {dist.median:5.1f} {dist.p90:5.1f}  {indicator.name}")
        out(f"{result.runs_per_second:,.0f} runs per second ({result.elapsed:.2f} s)")

    def _strategies(self, scenario, pairs: list[str]) -> dict[str, str]:
        teams = {team.id for team in scenario.teams}
        chosen = {}
        for pair in pairs:
            team, _, name = pair.partition("=")
            if team not in teams:
                raise CommandError(f"Unknown team {team!r}: use one of {', '.join(sorted(teams))}.")
            if name not in (*STRATEGIES, MIXED):
                raise CommandError(
                    f"Unknown strategy {name!r}: use one of {', '.join((*STRATEGIES, MIXED))}."
                )
            chosen[team] = name
        return chosen
