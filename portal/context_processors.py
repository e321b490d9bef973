from django.conf import settings
from django.http import HttpRequest

from monitoring.dashboards.navigation import may_see_dashboard_link

# URL namespaces whose pages belong to the registry section (it shows the registry's own menu).
REGISTRY_NAMESPACES = frozenset({"registry", "talent", "bases", "institutions", "showcase", "imports"})


def site(request: HttpRequest) -> dict[str, object]:
    match = getattr(request, "resolver_match", None)
    in_registry = match is not None and match.namespace in REGISTRY_NAMESPACES
    return {
        "LANGUAGES": settings.LANGUAGES,
        "in_registry": in_registry,
        "may_see_dashboard": may_see_dashboard_link(request),
    }
