from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "saferisk.supervision"
    label = "supervision"
    verbose_name = "监管"
