import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

logger = logging.getLogger(__name__)


class DatabaseUnavailableMiddleware:
    """A lost database connection gets a page that says so, not a bare server error.

    Every change runs in one transaction, so a request that failed here saved nothing: the
    page tells the user that and that trying again is safe.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.warning(
            "Database unavailable during %s %s", request.method, request.path, exc_info=exception
        )
        template = (
            "core/_database_unavailable.html" if request.htmx else "core/database_unavailable.html"
        )
        return render(request, template, status=503)
