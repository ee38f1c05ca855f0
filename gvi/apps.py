from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class GviConfig(AppConfig):
    name = "gvi"
    verbose_name = _("Group violence intervention")

    def ready(self):
        from gvi.sqlite import fold_unicode_in_like, use_the_real_variable_limit

        connection_created.connect(fold_unicode_in_like, dispatch_uid="gvi.sqlite.fold_unicode_in_like")
        connection_created.connect(use_the_real_variable_limit, dispatch_uid="gvi.sqlite.variable_limit")
