from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "saferisk.risks"
    label = "risks"
    verbose_name = "风险"
