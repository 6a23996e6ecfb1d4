from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "saferisk.core"
    label = "core"
    verbose_name = "基础"

    def ready(self) -> None:
        # Scope rules for core models are registered where the models live.
        from saferisk.core import scope_rules  # noqa: F401
