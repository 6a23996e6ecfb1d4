"""The `saferisk` command: Django's management commands under one operator-friendly name.

`saferisk demo`, `saferisk token create USER`, `saferisk audit verify`, `saferisk import regions FILE`
are management commands of the apps; `saferisk manage <cmd>` is an explicit spelling of the same.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saferisk.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["manage"]:
        args = args[1:]
    execute_from_command_line(["saferisk", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
