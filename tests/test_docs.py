"""The README and the docs say what the program does: checked against the program."""

from __future__ import annotations

import re
from pathlib import Path

from voiceguide import resources
from voiceguide.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_the_readme_names_every_built_in_routine():
    for name in resources.routine_names():
        assert f"`{name}`" in README, name


def test_the_readme_shows_every_command():
    shown = set(re.findall(r"^voiceguide (\w+)", README, re.MULTILINE))
    assert set(main.commands) <= shown, set(main.commands) - shown


def test_every_doc_the_readme_links_exists():
    for link in re.findall(r"\]\(((?:docs/)?[\w./-]+\.md)\)", README):
        assert (ROOT / link).is_file(), link


def test_the_readme_says_how_long_the_tests_take():
    assert re.search(r"\./test\.sh.*about \d+ minutes", README, re.DOTALL)
