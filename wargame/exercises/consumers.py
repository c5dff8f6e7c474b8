from datetime import timedelta

from channels.db import database_sync_to_async
from django.utils import timezone

from wargame.core.consumers import NotificationConsumer
from wargame.exercises.access import Role, Viewer, browser_roles, viewer_for
from wargame.exercises.fragments import team_version
from wargame.exercises.models import Exercise, Participant, Team
from wargame.exercises.notify import control_group, exercise_group, team_group
from wargame.exercises.selectors import ONLINE_WINDOW


@database_sync_to_async
def _viewer(scope, exercise_id: int) -> Viewer | None:
    exercise = Exercise.objects.filter(pk=exercise_id).first()
    if exercise is None:
        return None
    roles = browser_roles(scope.get("cookies", {}), scope.get("session"))
    return viewer_for(scope.get("user"), roles, exercise)


@database_sync_to_async
def _current_version(team_id: int) -> str:
    """The version of what a team's page shows, as its parts carry it (fragments.py)."""
    team = Team.objects.select_related("exercise").get(pk=team_id)
    return team_version(team.exercise, team)


@database_sync_to_async
def _mark_seen(participant_id: int, *, online: bool) -> None:
    seen = timezone.now() if online else timezone.now() - ONLINE_WINDOW - timedelta(seconds=1)
    Participant.objects.filter(pk=participant_id).update(last_seen_at=seen)


class ExerciseConsumer(NotificationConsumer):
    """Live updates for one exercise; the groups follow the viewer's role (see access.py)."""

    greeted = False

    async def connect(self) -> None:
        exercise_id = int(self.scope["url_route"]["kwargs"]["exercise_id"])
        self.viewer = await _viewer(self.scope, exercise_id)
        if self.viewer is None:
            await self.close(code=4403)
            return
        self.groups = [exercise_group(exercise_id)]
        if self.viewer.role == Role.FACILITATOR:
            self.groups.append(control_group(exercise_id))
        elif self.viewer.role == Role.PLAYER:
            self.groups.append(team_group(exercise_id, self.viewer.team.key))
        for group in self.groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await self._presence(online=True)

    async def disconnect(self, code) -> None:
        if getattr(self, "viewer", None) is not None:
            await self._presence(online=False)

    async def receive_json(self, content, **kwargs) -> None:
        """A player's first ``{"type": "hello"}`` is answered with the team's version, read
        after the connection joined its groups: a page rendered before that missed the
        notices of what changed in between, and refreshes the parts older than that."""
        if isinstance(content, dict) and content.get("type") == "hello":
            if self.viewer.role == Role.PLAYER and not self.greeted:
                self.greeted = True
                version = await _current_version(self.viewer.team.pk)
                await self.send_json({"event": "hello", "version": version})
            return
        await super().receive_json(content, **kwargs)

    async def notify(self, message: dict) -> None:
        """Parts sent with a notice (notify.py) reach the players of their team only. A
        player's own save is not sent back: the page that saved shows it already, and
        live.js would leave it out (the form it brings is the largest of the notices)."""
        own = self.viewer.role == Role.PLAYER and message.get("by") == self.viewer.participant.pk
        if own and message.get("event") == "draft.saved":
            return
        parts = message.get("team_parts", {})
        content = {k: v for k, v in message.items() if k not in ("type", "team_parts")}
        if self.viewer.role == Role.PLAYER and self.viewer.team.key in parts:
            content["parts"] = parts[self.viewer.team.key]
        await self.send_json(content)

    async def seen(self) -> None:
        await self._presence(online=True, announce=False)

    async def _presence(self, *, online: bool, announce: bool = True) -> None:
        if self.viewer.role != Role.PLAYER:
            return
        await _mark_seen(self.viewer.participant.pk, online=online)
        if announce:
            await self.channel_layer.group_send(
                control_group(self.viewer.exercise.pk),
                {"type": "notify", "event": "presence", "exercise": self.viewer.exercise.pk},
            )
