from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "saferisk.risks"
    label = "risks"
    verbose_name = "风险"

    def ready(self) -> None:
        from saferisk.risks import scope_rules  # noqa: F401
