from channels.generic.websocket import AsyncJsonWebsocketConsumer

SITE_GROUP = "site"


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Carries "this changed" notifications to a browser; the page then re-fetches.

    Notifications are sent to a group with ``{"type": "notify", "event": ..., ...}``; the
    browser receives them as JSON without the ``type`` key. A ``{"type": "ping"}`` frame is
    answered with ``{"event": "pong"}`` so a page can tell that its connection is alive.
    """

    groups = [SITE_GROUP]

    async def receive_json(self, content: dict, **kwargs) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"event": "pong"})

    async def notify(self, message: dict) -> None:
        await self.send_json({key: value for key, value in message.items() if key != "type"})
