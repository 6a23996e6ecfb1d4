from django.apps import AppConfig


class ScoringConfig(AppConfig):
    name = "saferisk.scoring"
    label = "scoring"
    verbose_name = "记分管理"
