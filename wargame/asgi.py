"""ASGI entry point: HTTP through Django, websockets through Channels.

Websocket connections must come from one of ALLOWED_HOSTS (the Origin header) and carry the
browser's cookies (a facilitator's session, a player's or observer's roles), so a consumer
knows who is asking.
"""

import os

from wargame.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wargame.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from wargame.core.templates import compile_project_templates  # noqa: E402
from wargame.exercises.scenarios import load_shipped_scenarios  # noqa: E402
from wargame.routing import websocket_urlpatterns  # noqa: E402

load_shipped_scenarios()
compile_project_templates()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
