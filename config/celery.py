"""The Celery application. Configuration is read from Django settings (CELERY_*)."""

import os

from celery import Celery

from config import kombu_fixes

kombu_fixes.apply()  # a worker must survive a Redis restart (see the module)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("gvi")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Task modules are imported by tasks.apps.TasksConfig.ready(), in every process.
