from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "saferisk.verification"
    label = "verification"
    verbose_name = "核查"
