"""The project's own Django apps, as installed (docs/architecture.md)."""

from django.apps import apps

PACKAGES = ("inclusion", "sessions_app", "beneficiaries", "volunteers")
PROJECT_APPS = {config.label for config in apps.get_app_configs() if config.name.split(".")[0] in PACKAGES}
