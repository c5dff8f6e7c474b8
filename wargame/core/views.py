from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wargame.core.health import detailed_checks, may_see_details, public_check


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 or 503 for a load balancer; the checks in detail only for this machine or a token.

    Whoever may not see the details (a wrong token included) gets the public answer.
    """
    if not may_see_details(request):
        healthy = public_check()
        return JsonResponse(
            {"status": "ok" if healthy else "unavailable"}, status=200 if healthy else 503
        )
    result = detailed_checks()
    healthy = all(check["ok"] for check in result["checks"].values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **result},
        status=200 if healthy else 503,
    )
