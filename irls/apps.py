from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IrlsConfig(AppConfig):
    name = "irls"
    verbose_name = _("Laboratories and partners")
