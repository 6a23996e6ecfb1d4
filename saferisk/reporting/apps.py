from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "saferisk.reporting"
    label = "reporting"
    verbose_name = "风险报告"

    def ready(self) -> None:
        from saferisk.reporting import scope_rules  # noqa: F401
