from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GviConfig(AppConfig):
    name = "gvi"
    verbose_name = _("Group violence intervention")
