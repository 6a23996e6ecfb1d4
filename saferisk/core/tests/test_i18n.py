"""Every UI string is translated, the compiled catalogue is current, pages show no English msgid."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"


def _entries() -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs of the .po file, multi-line strings joined."""
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n")[1:]:
        if block.lstrip().startswith("#~"):
            continue
        fuzzy = "#, fuzzy" in block
        msgid = "".join(re.findall(r'^(?:msgid|msgid_plural)?\s*"(.*)"$', block.split("msgstr")[0], re.M))
        msgstr = "".join(re.findall(r'"(.*)"', block.split("msgstr", 1)[1])) if "msgstr" in block else ""
        if msgid:
            entries.append((msgid, "" if fuzzy else msgstr))
    return entries


def test_every_msgid_is_translated() -> None:
    entries = _entries()
    assert len(entries) > 200
    assert [m for m, s in entries if not s] == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_compiled_catalogue_is_current(tmp_path: Path) -> None:
    out = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "-o", str(out), str(LOCALE / "django.po")], check=True)
    assert out.read_bytes() == (LOCALE / "django.mo").read_bytes(), (
        "run `make compilemessages` and commit the .mo"
    )


COMMON = ["/", "/audit/", "/accounts/password/", "/accounts/tokens/", "/no-such-page/"]
STAFF = ["/enterprises/", "/users/", "/users/new/"]


@pytest.mark.django_db
def test_pages_show_no_untranslated_msgid(world: Any) -> None:
    phrases = [m for m, _ in _entries() if " " in m and "%(" not in m and len(m) > 6]
    for user in (world.admin, world.county_regulator, world.enterprise_filler, world.expert):
        client = world.client(user)
        urls = COMMON + (STAFF if user.is_admin else []) + [f"/users/{user.pk}/"]
        if user != world.expert:
            urls.append(f"/enterprises/{world.ent_a.pk}/")
        for url in urls:
            response = client.get(url, follow=True)
            assert response.status_code == (404 if "no-such" in url else 200), url
            html = response.content.decode()
            shown = [p for p in phrases if f">{p}<" in html or f'"{p}"' in html]
            assert shown == [], f"{user.username} {url}: {shown}"
