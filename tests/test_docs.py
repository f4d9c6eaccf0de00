"""The README and the docs say what the program does: checked against the program."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

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


# -- figures the docs show, as the program gives them now ---------------------------------------

ROUTINES_DOC = (ROOT / "docs" / "routines.md").read_text()
LIST_DOC = (ROOT / "docs" / "list-json.md").read_text()


def test_the_check_example_is_what_check_prints(monkeypatch):
    """Steps and their written length do not depend on the engine: the tone engine's run."""
    monkeypatch.setenv("VOICEGUIDE_ENGINE", "tone")
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, ["check", "scripts/back-massage.yaml"])
    assert result.exit_code == 0
    shown = re.search(r"^(scripts/back-massage\.yaml: ok - .*)$", ROUTINES_DOC, re.MULTILINE)
    assert shown is not None and result.stdout.strip() == shown[1]


def test_the_readme_does_not_offer_lengths_as_a_closed_list():
    assert "fits the session to 10 or 45 minutes" not in README
    assert "`--length` fits the session to the time you have, to the second" in " ".join(
        README.split()
    )


@pytest.mark.engine
def test_the_docs_ranges_of_back_massage_are_what_espeak_gives_now():
    """What ``plan``, its error and ``list --json`` say for back-massage with espeak-ng (the
    default engine): the figures docs/routines.md and docs/list-json.md show."""
    runner = CliRunner()
    refused = runner.invoke(main, ["plan", "back-massage", "--length", "2m"])
    assert refused.exit_code == 2
    message = re.search(r"^(back-massage\.yaml: cannot fit 2m; .*)$", ROUTINES_DOC, re.MULTILINE)
    assert message is not None and refused.output.strip() == message[1]
    plan = runner.invoke(main, ["plan", "back-massage", "-q"])
    footer = plan.output.strip().splitlines()[-1].removesuffix(" (--length)")
    assert f"for back-massage with espeak-ng, `{footer}`" in " ".join(ROUTINES_DOC.split())
    listed = json.loads(runner.invoke(main, ["list", "--json"]).output)["routines"]
    entry = next(r for r in listed if r["name"] == "back-massage")
    example = json.loads(re.search(r'(\{\s*"name": "back-massage".*?\})', LIST_DOC, re.DOTALL)[1])
    assert {k: example[k] for k in ("title", "description", "length")} == {
        k: entry[k] for k in ("title", "description", "length")
    }
    # espeak-ng's clips differ by a few samples with the order they are rendered in
    assert example["shortest"] == pytest.approx(entry["shortest"], abs=0.01)
    assert example["longest"] == pytest.approx(entry["longest"], abs=0.01)
    span = footer.removeprefix("fits lengths ").removeprefix("from ").split(";")[0]
    assert f"(`{span}`)" in LIST_DOC
