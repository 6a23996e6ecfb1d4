"""`saferisk token create USERNAME [--name N]`, `token list USERNAME`, `token revoke PREFIX`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from saferisk.core import services
from saferisk.core.context import cli_context
from saferisk.core.errors import DomainError
from saferisk.core.models import ApiToken, User


class Command(BaseCommand):
    help = "Manage API tokens (the key is printed once, at creation)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a token and print it")
        create.add_argument("username")
        create.add_argument("--name", default="cli")
        listing = sub.add_parser("list", help="list a user's tokens")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="revoke a token by its key prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        with cli_context():
            try:
                getattr(self, f"do_{options['action']}")(options)
            except DomainError as exc:
                raise CommandError(exc.message) from exc

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户不存在：{username}")
        return user

    def do_create(self, options: dict[str, Any]) -> None:
        _token, key = services.api_token_create(
            actor=None, user=self._user(options["username"]), name=options["name"]
        )
        self.stdout.write(key)

    def do_list(self, options: dict[str, Any]) -> None:
        for t in ApiToken.objects.filter(user=self._user(options["username"])):
            state = "revoked" if t.revoked_at else "active"
            self.stdout.write(f"{t.key_prefix}…  {state:<8} {t.created_at:%Y-%m-%d %H:%M}  {t.name}")

    def do_revoke(self, options: dict[str, Any]) -> None:
        tokens = list(ApiToken.objects.filter(key_prefix=options["prefix"][:8], revoked_at__isnull=True))
        if len(tokens) != 1:
            raise CommandError(f"前缀 {options['prefix']} 对应 {len(tokens)} 个有效令牌，需恰好一个")
        token = tokens[0]
        services.api_token_revoke(actor=token.user, token=token)
        self.stdout.write(f"已吊销 {token.key_prefix}…")
