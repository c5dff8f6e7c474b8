import json

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """Carries "this changed" notifications to a browser; the page then re-fetches.

    Notifications are sent to a group with ``{"type": "notify", "event": ..., ...}``; the
    browser receives them as JSON without the ``type`` key. A ``{"type": "ping"}`` frame is
    answered with ``{"event": "pong"}`` so a page can tell that its connection is alive.
    Subclasses decide in ``connect`` which groups a connection may join; a browser cannot
    ask to join any group itself.
    """

    async def dispatch(self, message: dict) -> None:
        """Channels' own dispatch first closes stale database connections in its worker
        thread, for every message: a trip to that one thread for each notice to each browser,
        one after the other, when a turn is published to a class. Here a message goes
        straight to its handler: a subclass reaches the database only through
        ``database_sync_to_async``, which closes them around its own call."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        """Anything but a JSON text frame is ignored: a bad frame never drops the connection."""
        try:
            content = json.loads(text_data) if text_data else None
        except ValueError:
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.seen()
            await self.send_json({"event": "pong"})

    async def seen(self) -> None:
        """Hook for presence: called on every ping."""

    async def notify(self, message: dict) -> None:
        await self.send_json({key: value for key, value in message.items() if key != "type"})
