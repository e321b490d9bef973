"""The portal-wide vocabularies of DESIGN §3: sectors (领域) and data modalities."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    TRANSPORT = "transport", _("transport")
    HEALTHCARE = "healthcare", _("healthcare")
    FINANCE = "finance", _("finance")
    SCIENCE = "science", _("science")
    MANUFACTURING = "manufacturing", _("manufacturing")
    AGRICULTURE = "agriculture", _("agriculture")
    GOVERNMENT_SERVICES = "government_services", _("government services")
    URBAN_GOVERNANCE = "urban_governance", _("urban governance")
    RURAL_REVITALISATION = "rural_revitalisation", _("rural revitalisation")
    OTHER = "other", _("other")


class Modality(models.TextChoices):
    TEXT = "text", _("text")
    IMAGE = "image", _("image")
    VIDEO = "video", _("video")
    SPEECH = "speech", _("speech")
    POINT_CLOUD = "point_cloud", _("point cloud / 3D-4D")
    MULTIMODAL = "multimodal", _("multimodal")
