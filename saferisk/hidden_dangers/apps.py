from django.apps import AppConfig


class HiddenDangersConfig(AppConfig):
    name = "saferisk.hidden_dangers"
    label = "hidden_dangers"
    verbose_name = "隐患排查治理"

    def ready(self) -> None:
        from saferisk.hidden_dangers import scope_rules  # noqa: F401
