from django.apps import AppConfig


class EnterprisesConfig(AppConfig):
    name = "saferisk.enterprises"
    label = "enterprises"
    verbose_name = "企业"

    def ready(self) -> None:
        from saferisk.enterprises import scope_rules  # noqa: F401
