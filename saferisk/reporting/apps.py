from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "saferisk.reporting"
    label = "reporting"
    verbose_name = "风险报告"
