"""Create an exercise and play it with bot teams, through the same services as the web."""

import random

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from wargame.engine import STRATEGIES, WorldState, choose_move
from wargame.exercises.models import Exercise, Turn
from wargame.exercises.scenarios import get_scenario
from wargame.exercises.services.audit import facilitator_actor
from wargame.exercises.services.exercises import exercise_create, exercise_start
from wargame.exercises.services.moves import move_submit, participant_join
from wargame.exercises.services.turns import turn_adjudicate, turn_lock, turn_publish

GUESSES = ["push harder", "hold its course", "look for a deal", "hedge and wait"]
STATEMENTS = {
    "hawkish": "We will not be pushed around; our partners can count on us.",
    "accommodating": "We seek calm and dialogue with all our neighbours.",
    "hedging": "We keep every option open and our alliances close.",
    "random": "",
}
RATIONALES = {
    "hawkish": "Show strength early so that the others price in our resolve.",
    "accommodating": "Lower the temperature and buy time for a settlement.",
    "hedging": "Keep every door open until the others show their hand.",
    "random": "Test how the others react to an unexpected mix.",
}


class Command(BaseCommand):
    help = "Create a demo exercise and play it with bot teams (all of it with --finish)."

    def add_arguments(self, parser):
        parser.add_argument("--scenario", default="japan-korea-2025")
        parser.add_argument("--turns", type=int, default=None, help="Turns in the exercise.")
        parser.add_argument(
            "--play", type=int, default=None, help="Turns to play and publish (default: half)."
        )
        parser.add_argument("--finish", action="store_true", help="Play every turn to the end.")
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--facilitator", default="facilitator")
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument(
            "--once", action="store_true", help="Do nothing if a demo exercise already exists."
        )

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["facilitator"]).first()
        if user is None:
            raise CommandError(
                f"No user {options['facilitator']!r}: run `manage.py setup_demo` first."
            )
        scenario = get_scenario(options["scenario"])
        existing = Exercise.objects.filter(facilitator=user, title__startswith="Demo: ").first()
        if options["once"] and existing:
            self._report(existing, options["url"])
            return
        exercise = exercise_create(
            facilitator=user,
            scenario_slug=scenario.id,
            title=f"Demo: {scenario.title}",
            turns=options["turns"],
            seed=options["seed"],
        )
        total = exercise.turns if options["finish"] else options["play"]
        total = exercise.turns // 2 if total is None else total
        if not 0 <= total <= exercise.turns:
            raise CommandError(f"--play must be between 0 and {exercise.turns}.")
        rng = random.Random(options["seed"])
        bots = {
            team.key: (
                participant_join(team=team, display_name=f"{team.name} bot"),
                rng.choice(STRATEGIES),
            )
            for team in exercise.teams.all()
        }
        exercise_start(exercise_id=exercise.pk, user=user)
        for _ in range(total):
            self._play_turn(exercise, scenario, bots, rng, user)
        self._report(Exercise.objects.get(pk=exercise.pk), options["url"])

    def _play_turn(self, exercise, scenario, bots, rng, user) -> None:
        turn = Turn.objects.get(exercise=exercise, status=Turn.Status.OPEN)
        state = WorldState.from_dict(turn.state_before)
        for team_key, (participant, strategy) in bots.items():
            move = choose_move(scenario, team_key, state, strategy, rng)
            answers = {
                "actions": [
                    {"action": c.action, "target": c.target, "intensity": c.intensity}
                    for c in move.actions
                ],
                "objective": f"Play a {strategy} turn.",
                "expectations": {
                    other: f"{scenario.team(other).name} will {rng.choice(GUESSES)}."
                    for other in bots
                    if other != team_key
                },
                "confidence": rng.randint(2, 5),
                "rationale": RATIONALES[strategy],
                "statement": STATEMENTS[strategy] if rng.random() < 0.5 else "",
            }
            move_submit(participant=participant, turn_id=turn.pk, base_revision=0, answers=answers)
        turn_lock(turn_id=turn.pk, actor=facilitator_actor(user), reason="facilitator")
        turn_adjudicate(turn_id=turn.pk)
        turn_publish(turn_id=turn.pk, user=user)

    def _report(self, exercise: Exercise, url: str) -> None:
        out = self.stdout.write
        out(self.style.SUCCESS(f"Exercise {exercise.pk}: {exercise.title}"))
        out(
            f"  Status         {exercise.get_status_display()}, turn {exercise.current_turn} "
            f"of {exercise.turns}"
        )
        out(f"  Control room   {url}/exercises/{exercise.pk}/control/")
        out(f"  Projector      {url}/observe/{exercise.observer_token}/")
        for team in exercise.teams.all():
            out(f"  Join {team.name:<14} {url}/join/{team.join_code}/   (code {team.join_code})")
