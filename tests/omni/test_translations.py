"""Everything a person reads exists in Italian: the messages `makemessages` finds in the code and templates
(run on a copy of the project, so the repository's catalog is not touched) are all translated, none fuzzy,
and the committed .mo is the compiled .po. A string passed to gettext through a variable or an alias
`makemessages` does not know (`_lazy`, a factory) shows up here as a message the catalog lacks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOG = Path("omni/locale/it/LC_MESSAGES")

pytestmark = pytest.mark.skipif(
    shutil.which("msgattrib") is None or shutil.which("xgettext") is None,
    reason="GNU gettext (xgettext, msgattrib) is not installed",
)


def _tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [f for f in listed if f.endswith((".py", ".html", ".txt", ".po", ".js")) and (ROOT / f).exists()]


def test_every_message_in_the_code_is_translated(tmp_path):
    for name in _tracked_files():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, target)
    env = {**os.environ, "DJANGO_DEBUG": "1", "PYTHONPATH": str(tmp_path)}
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "it", "--ignore=tests", "--ignore=tools"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        check=True,
    )
    po = tmp_path / CATALOG / "django.po"
    missing = subprocess.run(
        ["msgattrib", "--untranslated", "--no-obsolete", str(po)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fuzzy = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-obsolete", str(po)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    untranslated = [line for line in missing.splitlines() if line.startswith("msgid ") and line != 'msgid ""']
    assert untranslated == [], missing
    assert "msgid" not in fuzzy, fuzzy


def test_the_committed_mo_is_the_compiled_po(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(compiled), str(ROOT / CATALOG / "django.po")],
        check=True,
    )
    assert compiled.read_bytes() == (ROOT / CATALOG / "django.mo").read_bytes(), (
        "the .mo is out of date: run `make messages` (or msgfmt) and commit it"
    )
