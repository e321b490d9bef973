"""System checks of the portal's own configuration (`manage.py check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def secrets_come_from_the_environment(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Generated secrets are per machine: two web or worker machines would not share them, and bids
    sealed on one could not be opened on another."""
    messages: list[CheckMessage] = []
    for name, generated in (
        ("SECRET_KEY", settings.SECRET_KEY_GENERATED),
        ("BID_SEALING_KEY", settings.BID_SEALING_KEY_GENERATED),
        ("PERSON_ID_HASH_KEY", settings.PERSON_ID_HASH_KEY_GENERATED),
    ):
        if generated:
            messages.append(
                Warning(
                    f"{name} was generated on this machine ({settings.VAR_DIR}); set it in the environment.",
                    hint=f"Set {name} to the same long random value on every web and worker machine.",
                    id="portal.W001",
                )
            )
    return messages
