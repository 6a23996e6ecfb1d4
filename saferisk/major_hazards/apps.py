from django.apps import AppConfig


class MajorHazardsConfig(AppConfig):
    name = "saferisk.major_hazards"
    label = "major_hazards"
    verbose_name = "重大危险源"
