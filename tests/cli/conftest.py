"""What the command tests share."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from voiceguide.cli import main


@pytest.fixture
def run(monkeypatch):
    """``run(*args)``: the CLI in this process with the tone engine; a traceback fails the test."""
    monkeypatch.setenv("VOICEGUIDE_ENGINE", "tone")

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke
