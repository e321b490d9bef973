"""The Stripe webhook: `POST /api/v1/payments/stripe/webhook/`.

No session, no token, no CSRF token: Stripe signs the body with STRIPE_WEBHOOK_SECRET and the
signature is the only thing trusted. A forged or stale signature, or an event of another API
version, answers 400 and stores nothing; an event seen before answers 200 and changes nothing.
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from marketplace import services
from marketplace.payments.gateway import InvalidWebhook
from portal.api.exceptions import error_body


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    try:
        payload = request.body
    except RequestDataTooBig:
        return JsonResponse(error_body("request_too_large", _("The request body is too large.")), status=400)
    try:
        event, created = services.stripe_event_receive(
            payload=payload, signature=request.headers.get("Stripe-Signature", "")
        )
    except InvalidWebhook as error:
        return JsonResponse(error_body(error.code, error.message), status=400)
    return JsonResponse({"received": event.event_id, "duplicate": not created})
