"""Locust users that play whole exercises like browsers do; started by bench/run.py.

    BENCH_JOIN=join.json BENCH_OUT=out.json BENCH_MODE=play \
        locust -f bench/locustfile.py --headless --host http://127.0.0.1:PORT ...

Modes (``BENCH_MODE``):

- ``play``: one ``Facilitator`` per exercise and its players (``Player``). A player rejoins
  with its personal link (a cookie), reads the team page, keeps a websocket open
  (pinging every 25 s as live.js does), and until the exercise ends saves drafts, chats and,
  one player per team and turn, submits the move. Like the page's htmx, every notification
  makes it re-fetch the fragments that listen to that event (move, situation, messages,
  questionnaire cards, decision support). Players arrive once every facilitator has logged
  in and opened the control room, as an instructor does before handing out the links. The
  facilitator keeps the control room open (same re-fetching), waits for its players'
  websockets, starts the exercise, and each
  turn locks it (the last turn is left to its deadline), waits for the Celery worker's
  adjudication, opens the review and publishes. When every facilitator is done the run stops.
- ``throughput``: readers fetch a player's team page back to back.
- ``bare``: the same readers fetch the bare Django view (bench/bare_app.py).

At exit it writes ``BENCH_OUT``: locust's figures per kind of request, and the raw timing
of the notifications (publish click, lock click, deadline; when each connected player's
websocket received ``turn.published`` / ``turn.locked``). With ``BENCH_TRACE`` set to a
folder, it also writes there every request as it ended (``<BENCH_OUT's name>.csv``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import random
import re
import time
from collections import defaultdict
from datetime import datetime
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import gevent
from gevent.event import AsyncResult, Event
from locust import FastHttpUser, between, constant, events, task
from websockets.sync.client import connect

CONFIG = json.loads(Path(os.environ["BENCH_JOIN"]).read_text())
OUT = Path(os.environ["BENCH_OUT"])
MODE = os.environ.get("BENCH_MODE", "play")
THINK = tuple(float(x) for x in os.environ.get("BENCH_THINK", "4,10").split(","))
TURN_SECONDS = float(os.environ.get("BENCH_TURN_SECONDS", "30"))
PLAY_TURNS = int(os.environ.get("BENCH_PLAY_TURNS", "3"))
DEADLINE_TURN = os.environ.get("BENCH_DEADLINE_TURN", "true") == "true"
DECISION_SUPPORT = os.environ.get("BENCH_DECISION_SUPPORT", "true") == "true"
PING_SECONDS = 25
PENDING = 'id="preview-pending"'
# templates/exercises/_preview.html: a waiting panel asks again when told its estimate is
# ready, or by itself after this many seconds (ASK_AGAIN_SECONDS in panel.py).
WAITING_PACKAGE = re.compile(r'data-live-package="([0-9a-f]*)"')
WAITING_URL = re.compile(r'id="preview-pending".*?hx-get="([^"]+)"', re.S)
ASK_AGAIN = re.compile(r"load delay:(\d+)s")
PANEL_WAITS = 20
PANEL_LOADS = 'hx-trigger="load, change from:#move-form'  # templates/exercises/_move.html
CHECKED = re.compile(r'name="act__(\w+)"[^>]*checked')
REVIEW_SECONDS = float(os.environ.get("BENCH_REVIEW_SECONDS", "2"))  # reading the review
QUIT_DELAY = float(os.environ.get("BENCH_QUIT_DELAY", "5"))  # for the last notifications
WAIT_LIMIT = 120  # no single wait of a facilitator lasts longer than this

HTMX = {"HX-Request": "true"}
# What each part of the team page listens to (templates/exercises/team.html, _move.html).
LIVE = {
    "move": {"deadline.changed", "draft.saved", "move.submitted"},
    # The situation brings the move form with it.
    "situation": {"turn.opened", "turn.locked", "turn.published", "exercise.finished"},
    "cards": {"questionnaire.window"},
    "messages": {"message.new"},
    "preview": {"decision_support.changed"},
}
CONTROL_LIVE = {
    "status": {
        "turn.opened",
        "turn.locked",
        "turn.adjudicated",
        "turn.published",
        "deadline.changed",
        "draft.saved",
        "move.submitted",
        "participant.joined",
        "presence",
        "exercise.finished",
    },
    "rates": {"questionnaire.answered", "questionnaire.window", "participant.joined"},
    "messages": {"message.new"},
}
# data-live-every and data-live-frequent of the control room's parts (control_room.html).
CONTROL_THROTTLED = {
    "status": (2.0, {"draft.saved", "move.submitted", "participant.joined", "presence"}),
    "messages": (1.0, {"message.new"}),
}
# The ids of the elements that show those parts, as a notice names them when it brings one.
ELEMENT_IDS = {"messages": "team-messages"}
TIMED_EVENTS = ("turn.published", "turn.locked")

# Shared by every user of this process (locust runs them as greenlets of one process).
PLAYERS = [
    {"exercise": ex["id"], "team": team["key"], "index": n, "slots": len(team["players"]), **p}
    for ex in CONFIG["exercises"]
    for team in ex["teams"]
    for n, p in enumerate(team["players"])
]
_player_ids = itertools.count()
_facilitator_ids = itertools.count()
# An instructor opens the control room before handing out the links: players arrive once
# every facilitator has, at the pace locust spawns them (BENCH_SPAWN_RATE players a second).
_facilitators_in = itertools.count(1)
CLASS_OPEN = Event()
_class_opened_at: list[float] = []
SPAWN_RATE = float(os.environ.get("BENCH_SPAWN_RATE", "20"))
_reader_ids = itertools.count()
connected: dict[int, set[int]] = defaultdict(set)  # exercise -> players with an open socket
received: dict[str, dict[int, float]] = defaultdict(dict)  # "ex:turn:event" -> player -> time
marks: list[dict] = []  # publish / lock clicks and deadlines, with who was connected then
counters: dict[str, int] = defaultdict(int)
facilitators_done = []


def _fire(
    environment, name: str, started: float, error: Exception | None = None, kind: str = "WS"
) -> None:
    environment.events.request.fire(
        request_type=kind,
        name=name,
        response_time=(time.time() - started) * 1000,
        response_length=0,
        exception=error,
        context={},
    )


def _cookie(client, name: str) -> str:
    return next((c.value for c in client.cookiejar if c.name == name), "")


def _cookies(client) -> str:
    """The Cookie header a browser sends with its websocket: every cookie it holds."""
    return "; ".join(f"{c.name}={c.value}" for c in client.cookiejar)


class LiveSocket:
    """A browser's websocket: connects with the browser's cookies, pings, reconnects."""

    def __init__(self, user, on_event, *, player_id: int | None = None) -> None:
        self.user = user
        self.on_event = on_event
        self.player_id = player_id
        self.exercise = user.exercise_id
        self.ws = None
        self.closing = False
        self.greeted = False
        self.up = Event()
        self.greenlet = gevent.spawn(self._run)

    def _url(self) -> str:
        host = os.environ.get("BENCH_WS_HOST") or urlsplit(self.user.host).netloc
        return f"ws://{host}/ws/exercises/{self.exercise}/"

    def _connect(self) -> bool:
        started = time.time()
        try:
            # As a browser opens it: its cookies, its origin, and permessage-deflate offered
            # (Chromium always offers it; a server that takes it compresses every frame).
            self.ws = connect(
                self._url(),
                additional_headers={"Cookie": _cookies(self.user.client)},
                origin=self.user.host,
                compression="deflate",
                open_timeout=30,
                ping_interval=None,  # a browser sends no protocol pings; live.js pings itself
                max_size=None,
                close_timeout=3,
                proxy=None,
            )
        except Exception as exc:
            _fire(self.user.environment, "websocket connect", started, exc)
            return False
        _fire(self.user.environment, "websocket connect", started)
        if self.player_id is not None:
            connected[self.exercise].add(self.player_id)
        self.up.set()
        return True

    def _pinger(self) -> None:
        while not self.closing:
            gevent.sleep(PING_SECONDS)
            try:
                self.ws.send(json.dumps({"type": "ping"}))
            except Exception:
                return

    def _run(self) -> None:
        attempts = 0
        while not self.closing:
            if not self._connect():
                attempts += 1
                gevent.sleep(min(10, 0.5 * 2 ** min(attempts, 5)))
                continue
            if not self.greeted and self.player_id is not None:
                # live.js on a team page asks what is current once its first connection is
                # up (a page rendered just before would refresh its older parts).
                self.ws.send(json.dumps({"type": "hello"}))
            elif attempts:
                self.on_event({"event": "reconnected"}, time.time())
            self.greeted = True
            attempts = 0
            pinger = gevent.spawn(self._pinger)
            try:
                for frame in self.ws:
                    now = time.time()
                    self.on_event(json.loads(frame), now)
            except Exception as exc:
                if not self.closing:
                    counters["websocket dropped"] += 1
                    _fire(self.user.environment, "websocket dropped", time.time(), exc)
            finally:
                pinger.kill(block=False)
                with contextlib.suppress(Exception):
                    self.ws.close()  # a frame it could not read leaves it open otherwise
                if self.player_id is not None:
                    connected[self.exercise].discard(self.player_id)
                self.up.clear()
            attempts += 1

    def close(self) -> None:
        self.closing = True
        if self.player_id is not None:
            connected[self.exercise].discard(self.player_id)
        if self.ws is not None:
            with contextlib.suppress(Exception):
                self.ws.close()
        self.greenlet.kill(block=False)


PART_VERSION = re.compile(r'data-part-version="([^"]*)"')


def _newer(version: str, than: str | None) -> bool:
    """live.js: versions are "exercise.its-version.team.its-version", and only grow."""
    if not version or not than:
        return True
    a, b = version.split("."), than.split(".")
    return (int(a[1]), int(a[3])) > (int(b[1]), int(b[3]))


class Refresher:
    """Re-fetches the parts of a page that listen to the events received, like htmx does:
    one request per part at a time; events arriving meanwhile queue one more fetch. A part
    that came with its notice (``parts``, by element id) is shown without a request, unless
    it is no newer than the one shown (live.js). ``throttled``: part -> (seconds, events),
    as data-live-every and data-live-frequent: those events refresh the part at most that
    often, once at the end of the interval."""

    def __init__(
        self,
        fetchers: dict,
        live: dict[str, set[str]],
        throttled: dict[str, tuple[float, set[str]]] | None = None,
    ) -> None:
        self.fetchers = fetchers
        self.live = live
        self.throttled = throttled or {}
        self.pending: dict[str, str | None] = {}
        self.shown: dict[str, str] = {}
        self.last: dict[str, float] = defaultdict(float)
        self.later: dict[str, gevent.Greenlet] = {}
        self.wake = Event()
        self.greenlet = gevent.spawn(self._run)

    def event(self, name: str, parts: dict[str, str] | None = None) -> None:
        listening = {part for part, names in self.live.items() if name in names}
        if name == "reconnected":
            listening = set(self.live)
        for part in listening:
            html = (parts or {}).get(ELEMENT_IDS.get(part, part))
            if html is not None:
                version = PART_VERSION.search(html)
                if version and not _newer(version.group(1), self.shown.get(part)):
                    counters["parts no newer than shown, left out"] += 1
                    continue
                if version:
                    self.shown[part] = version.group(1)
                counters["parts shown as they came with their notice"] += 1
            elif self._later(part, name):
                continue
            self.pending[part] = html
        if listening:
            self.wake.set()

    def _later(self, part: str, name: str) -> bool:
        """Whether the event refreshes the part at the end of its interval, not now."""
        every, frequent = self.throttled.get(part, (0.0, set()))
        if name not in frequent:
            if later := self.later.pop(part, None):
                later.kill(block=False)
            self.last[part] = time.time()
            return False
        if part in self.later:
            return True
        wait = self.last[part] + every - time.time()
        if wait <= 0:
            self.last[part] = time.time()
            return False
        self.later[part] = gevent.spawn_later(wait, self._refresh_later, part)
        return True

    def _refresh_later(self, part: str) -> None:
        self.later.pop(part, None)
        self.last[part] = time.time()
        self.pending[part] = None
        self.wake.set()

    def _run(self) -> None:
        while True:
            self.wake.wait()
            self.wake.clear()
            parts, self.pending = self.pending, {}
            for part, html in sorted(parts.items()):
                try:
                    self.fetchers[part](html)
                except Exception:  # noqa: S112 (counted by locust as a failed request)
                    continue

    def stop(self) -> None:
        self.greenlet.kill(block=False)
        for later in self.later.values():
            later.kill(block=False)


REVISION = re.compile(r'name="revision" value="(\d+)"')
TURN = re.compile(r"Your move for turn (\d+)")
DEADLINE = re.compile(r'data-deadline="([^"]+)"')


class Player(FastHttpUser):
    fixed_count = len(PLAYERS) if MODE == "play" else 0
    wait_time = between(*THINK)

    def on_start(self) -> None:
        order = next(_player_ids)
        me = PLAYERS[order]
        self.me = me
        CLASS_OPEN.wait(WAIT_LIMIT)
        opened = _class_opened_at[0] if _class_opened_at else time.time()
        gevent.sleep(max(0.0, opened + order / SPAWN_RATE - time.time()))
        self.exercise_id = me["exercise"]
        self.package = CONFIG["packages"][me["team"]]
        self.turn = 0
        self.open = False
        self.revision = 0
        self.submitted: set[int] = set()
        self.saves: dict[int, int] = defaultdict(int)
        self.poller = None
        self.estimates: dict[str, AsyncResult] = {}
        self.ready_before_waiting: dict[str, tuple[float, str | None]] = {}
        self.client.get(f"/rejoin/{me['token']}/", name="rejoin", allow_redirects=False)
        self._read_move(self._get(f"/play/{self.exercise_id}/", "team page"))
        self.preview()
        ex = self.exercise_id
        self.refresher = Refresher(
            {
                "move": self.refresh_move,
                "situation": self.refresh_situation,
                "cards": lambda _: self._get(
                    f"/play/{ex}/questionnaires/cards/", "questionnaire cards", HTMX
                ),
                "messages": lambda html: (
                    html is not None
                    or self._get(f"/play/{ex}/fragments/messages/", "messages fragment", HTMX)
                ),
                "preview": lambda _: self.preview(),
            },
            LIVE,
        )
        self.socket = LiveSocket(self, self.on_event, player_id=me["id"])

    def on_stop(self) -> None:
        self.socket.close()
        self.refresher.stop()
        if self.poller is not None:
            self.poller.kill(block=False)

    def on_event(self, message: dict, at: float) -> None:
        name = message.get("event")
        if name in TIMED_EVENTS:
            received[f"{self.exercise_id}:{message.get('turn')}:{name}"][self.me["id"]] = at
        if name == "draft.saved" and message.get("by") == self.me["id"]:
            return
        if name == "estimate.ready":
            # The notice brings the panel (None when the panel is to ask for it).
            panel = (message.get("parts") or {}).get("decision-support")
            if waiting := self.estimates.get(message.get("package")):
                waiting.set(panel)
            else:
                self.ready_before_waiting[message.get("package")] = (at, panel)
            return
        self.refresher.event(name, message.get("parts"))

    def _get(self, url: str, name: str, headers: dict | None = None) -> str:
        with self.client.get(url, name=name, headers=headers, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return ""
            return response.text or ""

    def _read_move(self, html: str) -> None:
        if match := TURN.search(html):
            self.turn = int(match.group(1))
        if match := REVISION.search(html):
            self.revision = int(match.group(1))
        self.open = 'name="intent" value="submit"' in html

    def refresh_move(self, html: str | None = None) -> None:
        if html is None:
            html = self._get(f"/play/{self.exercise_id}/fragments/move/", "move fragment", HTMX)
        self._read_move(html)
        self._panel_loads(html, self.draft_actions(html))

    def refresh_situation(self, html: str | None = None) -> None:
        """The situation, with the move form swapped in beside it (out of band)."""
        if html is None:
            url = f"/play/{self.exercise_id}/fragments/situation/"
            html = self._get(url, "situation + move", HTMX)
        self._read_move(html)
        self._panel_loads(html, self.draft_actions(html))

    @staticmethod
    def draft_actions(html: str) -> list[str]:
        return CHECKED.findall(html)

    def _panel_loads(self, html: str, actions: list[str]) -> None:
        """A swapped-in form asks for its panel only when the panel did not come with it; a
        panel that came waiting for its estimate waits for it."""
        if PANEL_LOADS in html:
            self.preview(actions)
        elif DECISION_SUPPORT and PENDING in html:
            if self.poller is not None:
                self.poller.kill(block=False)
            url = unescape(WAITING_URL.search(html).group(1))
            self.poller = gevent.spawn(self._wait_for_estimate, url, html, time.time())

    def preview(self, actions: list[str] | None = None) -> None:
        """The decision-support panel loads with the open move form and on every change."""
        if not (DECISION_SUPPORT and self.open):
            return
        query = "&".join(f"act__{a}=on" for a in actions or [])
        url = f"/play/{self.exercise_id}/preview/?{query}"
        started = time.time()
        html = self._get(url, "decision support", HTMX)
        if self.poller is not None:
            self.poller.kill(block=False)  # htmx replaced the panel: its waiting stops
            self.poller = None
        if PENDING in html:
            self.poller = gevent.spawn(self._wait_for_estimate, url, html, started)

    def _wait_for_estimate(self, url: str, html: str, started: float) -> None:
        """While a worker simulates, the panel waits until the team is told that the
        estimate of its package is ready, or asks again by itself now and then; the player
        goes on meanwhile."""
        for _ in range(PANEL_WAITS):
            # Like live.js: a notice that came while the panel was on its way counts too.
            package = WAITING_PACKAGE.search(html).group(1)
            ready = self.estimates[package] = AsyncResult()
            at, panel = self.ready_before_waiting.pop(package, (0, None))
            if at > time.time() - 30:
                ready.set(panel)
            told = ready.wait(float(ASK_AGAIN.search(html).group(1)))
            self.estimates.pop(package, None)
            if told is not None:
                counters["parts shown as they came with their notice"] += 1
                html = told
            else:
                name = (
                    "decision support (told ready)"
                    if ready.ready()
                    else "decision support (asking again)"
                )
                html = self._get(url, name, HTMX)
            if PENDING not in html:
                _fire(self.environment, "decision support: estimate shown", started, kind="WAIT")
                return

    def _form(self, actions: list[str], intent: str) -> dict:
        others = self.package["others"]
        data = {
            "revision": str(self.revision),
            "objective": f"Turn {self.turn}: keep the alliance and the economy steady",
            "confidence": str(random.randint(1, 5)),
            "rationale": "We weigh the allies' reactions against the cost at home. " * 3,
            "statement": "" if random.random() < 0.7 else "We stand by our partners.",
            "intent": intent,
        }
        for other in random.sample(others, 2):
            data[f"expect__{other}"] = "They will wait and see."
        for action in actions:
            data[f"act__{action}"] = "on"
        return data

    def _post_move(self, intent: str) -> None:
        actions = random.sample(self.package["actions"], random.randint(1, 3))
        self.preview(actions)  # ticking the boxes asks the panel again
        name = "submit move" if intent == "submit" else "save draft"
        headers = {**HTMX, "X-CSRFToken": _cookie(self.client, "csrftoken")}
        with self.client.post(
            f"/play/{self.exercise_id}/move/",
            data=self._form(actions, intent),
            headers=headers,
            name=name,
            catch_response=True,
        ) as response:
            html = response.text or ""
            if response.status_code == 200:
                self._read_move(html)
                if intent == "submit":
                    self.submitted.add(self.turn)
                self.saves[self.turn] += 1
            elif response.status_code == 409 and "saved the draft while you" in html:
                counters["draft conflict (teammate saved first)"] += 1
                if match := REVISION.search(html):
                    self.revision = int(match.group(1))
                response.success()
            elif response.status_code == 409 and ("is locked" in html or "Time is up" in html):
                counters["refused: turn locked or its time up"] += 1
                self.open = False
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")
        self._panel_loads(html, actions)

    @task
    def play(self) -> None:
        if not self.open:
            return
        submitter = (self.turn - 1) % self.me["slots"] == self.me["index"]
        if submitter and self.turn not in self.submitted and self.saves[self.turn] >= 1:
            self._post_move("submit")
        elif random.random() < 0.7:
            self._post_move("save")
        else:
            self.chat()

    def chat(self) -> None:
        to = "team" if random.random() < 0.85 else "public"
        headers = {**HTMX, "X-CSRFToken": _cookie(self.client, "csrftoken")}
        with self.client.post(
            f"/play/{self.exercise_id}/messages/",
            data={"to": to, "body": f"Turn {self.turn}: what do we do about the tariffs?"},
            headers=headers,
            name="chat message",
            catch_response=True,
        ) as response:
            if response.status_code == 422 and "has ended" in (response.text or ""):
                counters["refused: exercise already ended"] += 1
                self.open = False
                response.success()
            elif response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")


class Facilitator(FastHttpUser):
    fixed_count = len(CONFIG["exercises"]) if MODE == "play" else 0
    wait_time = constant(1)

    def on_start(self) -> None:
        me = CONFIG["exercises"][next(_facilitator_ids)]
        self.me = me
        self.exercise_id = me["id"]
        self.players = sum(len(team["players"]) for team in me["teams"])
        self.done = False
        self.events: dict[str, Event] = defaultdict(Event)
        self.client.get("/accounts/login/", name="login page")
        with self.client.post(
            "/accounts/login/",
            data={
                "username": me["username"],
                "password": me["password"],
                "csrfmiddlewaretoken": _cookie(self.client, "csrftoken"),
            },
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login answered {response.status_code}")
        self.control_room()
        if next(_facilitators_in) == len(CONFIG["exercises"]):
            _class_opened_at.append(time.time())
            CLASS_OPEN.set()
        ex = self.exercise_id
        self.refresher = Refresher(
            {
                "status": lambda _: self._get(
                    f"/exercises/{ex}/control/status/", "control status", HTMX
                ),
                "rates": lambda _: self._get(
                    f"/exercises/{ex}/questionnaires/rates/", "questionnaire rates", HTMX
                ),
                "messages": lambda _: self._get(
                    f"/exercises/{ex}/control/messages/", "control messages", HTMX
                ),
            },
            CONTROL_LIVE,
            CONTROL_THROTTLED,
        )
        self.socket = LiveSocket(self, self.on_event)

    def on_stop(self) -> None:
        self.socket.close()
        self.refresher.stop()

    def on_event(self, message: dict, at: float) -> None:
        name = message.get("event", "")
        self.events[f"{name}:{message.get('turn')}"].set()
        self.refresher.event(name)

    def _get(self, url: str, name: str, headers: dict | None = None) -> str:
        with self.client.get(url, name=name, headers=headers, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return ""
            return response.text or ""

    def control_room(self) -> str:
        return self._get(f"/exercises/{self.exercise_id}/control/", "control room")

    def _post(self, path: str, name: str, turn: int | None = None) -> None:
        """A control-room button; turn buttons say which turn the page showed."""
        data = {"csrfmiddlewaretoken": _cookie(self.client, "csrftoken")}
        if turn is not None:
            data["turn"] = str(turn)
        with self.client.post(
            path,
            data=data,
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"HTTP {response.status_code}")

    def _mark(self, kind: str, turn: int, at: float | None = None) -> None:
        marks.append(
            {
                "kind": kind,
                "exercise": self.exercise_id,
                "turn": turn,
                "at": at if at is not None else time.time(),
                "connected": sorted(connected[self.exercise_id]),
            }
        )

    @task
    def run_exercise(self) -> None:
        if self.done:
            gevent.sleep(5)
            return
        ex = self.exercise_id
        limit = time.time() + WAIT_LIMIT
        while len(connected[ex]) < self.players and time.time() < limit:
            gevent.sleep(0.5)
        self.socket.up.wait(WAIT_LIMIT)
        self._post(f"/exercises/{ex}/control/start/", "control: start")
        self.control_room()
        for number in range(1, PLAY_TURNS + 1):
            by_deadline = DEADLINE_TURN and number == PLAY_TURNS and PLAY_TURNS >= 2
            if by_deadline:
                match = DEADLINE.search(self.control_room())
                deadline = datetime.fromisoformat(match.group(1)).timestamp() if match else 0
                gevent.sleep(max(0, deadline - time.time()))
                self._mark("deadline", number, at=deadline)
                if not self.events[f"turn.locked:{number}"].wait(WAIT_LIMIT):
                    counters["deadline lock not seen by the facilitator"] += 1
            else:
                gevent.sleep(TURN_SECONDS)
                self._mark("lock", number)
                self._post(f"/exercises/{ex}/control/lock/", "control: lock", number)
                self.control_room()
            started = time.time()
            if not self.events[f"turn.adjudicated:{number}"].wait(WAIT_LIMIT):
                counters["adjudication not seen by the facilitator"] += 1
            self.environment.events.request.fire(
                request_type="CELERY",
                name="lock to adjudicated (worker)",
                response_time=(time.time() - started) * 1000,
                response_length=0,
                exception=None,
                context={},
            )
            self._get(f"/exercises/{ex}/review/", "review page")
            gevent.sleep(REVIEW_SECONDS)
            self._mark("publish", number)
            self._post(f"/exercises/{ex}/review/publish/", "review: publish", number)
            self.control_room()
        if self.me["turns"] > PLAY_TURNS:
            self._post(f"/exercises/{ex}/control/end/", "control: end")
        self.done = True
        facilitators_done.append(ex)
        if len(facilitators_done) == len(CONFIG["exercises"]):
            # Let the last notifications arrive, then stop the whole run.
            gevent.spawn_later(QUIT_DELAY, self.environment.runner.quit)


class Reader(FastHttpUser):
    """Throughput: one page back to back, as fast as the server answers."""

    fixed_count = 0 if MODE == "play" else 1_000_000
    wait_time = constant(0)

    def on_start(self) -> None:
        if MODE == "throughput":
            players = CONFIG["throughput"]["players"]
            me = players[next(_reader_ids) % len(players)]
            self.client.get(f"/rejoin/{me['token']}/", name="rejoin", allow_redirects=False)
            self.path, self.name = f"/play/{CONFIG['throughput']['id']}/", "team page"
            self._estimate_ready(f"/play/{CONFIG['throughput']['id']}/preview/")
        else:
            self.path, self.name = "/", "bare Django view"

    def _estimate_ready(self, url: str) -> None:
        """The team's draft has its decision-support estimate, as it has in a class once
        anyone in the team ticked its boxes: the page read is the one players see."""
        for _ in range(60):
            with self.client.get(url, name="decision support (before reading)") as response:
                if PENDING not in (response.text or ""):
                    return
            gevent.sleep(0.5)

    @task
    def read(self) -> None:
        with self.client.get(self.path, name=self.name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")


def _entry(entry) -> dict:
    return {
        "type": entry.method,
        "name": entry.name,
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "rps": entry.total_rps,
        "avg_ms": entry.avg_response_time,
        "p50_ms": entry.get_response_time_percentile(0.5),
        "p95_ms": entry.get_response_time_percentile(0.95),
        "p99_ms": entry.get_response_time_percentile(0.99),
        "max_ms": entry.max_response_time,
    }


@events.quitting.add_listener
def _write(environment, **kwargs) -> None:
    stats = environment.stats
    result = {
        "mode": MODE,
        "users": environment.runner.user_count if environment.runner else None,
        "requests": [_entry(e) for e in stats.entries.values() if e.num_requests],
        "total": _entry(stats.total),
        "errors": [
            {"name": e.name, "error": str(e.error), "occurrences": e.occurrences}
            for e in stats.errors.values()
        ],
        "counters": dict(counters),
        "marks": marks,
        "received": {key: dict(value) for key, value in received.items()},
        "exercises_done": len(facilitators_done),
    }
    OUT.write_text(json.dumps(result, indent=1))


if trace_dir := os.environ.get("BENCH_TRACE"):
    # Every request as it ends (its time, kind and milliseconds): where in the run the
    # slow ones were, beside what else happened then.
    _trace = (Path(trace_dir) / f"{OUT.stem}.csv").open("w")

    @events.request.add_listener
    def _traced(request_type, name, response_time, **kwargs) -> None:
        _trace.write(f"{time.time():.3f},{name},{response_time:.1f}\n")

    @events.quitting.add_listener
    def _close_trace(**kwargs) -> None:
        _trace.close()
