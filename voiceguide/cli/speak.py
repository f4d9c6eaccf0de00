"""``voiceguide say`` (one sentence, to try a voice or a lexicon entry) and ``voiceguide
voices`` (every installed engine's voices, with the licences their files state)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import click

from voiceguide import choices
from voiceguide.cli.options import CONTEXT, engine_option, make_renderer
from voiceguide.cli.output import out, reported
from voiceguide.errors import PlaybackError, SpeechError

if TYPE_CHECKING:  # the library loads when a command runs, not for --help
    from voiceguide import speech
    from voiceguide.speech.engines import Described


@click.command(context_settings=CONTEXT)
@click.argument("text")
@click.option(
    "-r",
    "--routine",
    "routine_name",
    metavar="ROUTINE",
    help="Speak with this routine's engine, voice, rate and lexicon.",
)
@engine_option
@click.option("--voice", help="Voice id, name or language code (see 'voiceguide voices').")
@click.option(
    "--rate", type=click.IntRange(*choices.RATE_RANGE), help="Speaking rate in words per minute."
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Write the speech to FILE (.wav .flac .ogg .opus .mp3) instead of playing it.",
)
def say(
    text: str,
    routine_name: str | None,
    engine: str | None,
    voice: str | None,
    rate: int | None,
    output: Path | None,
) -> None:
    """Speak TEXT, or write it to a file (-o): to try a voice, a rate or a lexicon entry
    (your ~/.config/voiceguide/lexicon.yaml, and the routine's with --routine)."""
    from voiceguide import session
    from voiceguide.atomic import shown

    with reported(), make_renderer() as engines:
        options = session.Options(None, voice, rate, engine=engine)
        if output is not None:  # before any work
            from voiceguide import exporting

            reads = session.inputs(routine_name, options, sounds=False)
            exporting.check_file(output, writer=exporting.SAY, reads=reads)
            exporting.format_for(output, None, exporting.SAY.format_option)
        clip = session.say(text, options, engines, routine_name, on_note=_warn)
        if output is not None:
            exporting.write_clip(clip, output, reads)
            out(f"wrote {shown(output)} ({clip.duration:.1f} s)")
            return
        from voiceguide.live.backends import play_to_end

        try:
            play_to_end(clip)
        except PlaybackError as exc:  # its advice is for routines: say this command's
            found = str(exc).split("; to listen on another device", 1)[0]
            raise PlaybackError(f"{found}; write the speech to a file instead: -o say.wav") from exc


def _warn(note: str) -> None:
    click.echo(f"warning: {note}", err=True)


@click.command(context_settings=CONTEXT)
def voices() -> None:
    """List the voices of every installed speech engine, with the licences that apply:
    the engine's, and each Piper voice's as its files state it. The default engine (Piper
    where it is installed, else espeak-ng) is marked [default]."""
    from voiceguide import speech

    with reported(), make_renderer() as engines:
        if isinstance(engines, speech.Renderer):  # the tone engine of the tests
            _list(engines.voices(), {})
            return
        default = speech.default_engine()
        for name in choices.ENGINES:
            engine = speech.engines.module(name)
            marked = " [default]" if name == default else ""
            out(f"{name}{marked} ({engine.LICENCE})")
            try:
                found = engines.renderer(name).voices()
            except SpeechError as exc:
                out(f"  not available: {exc}")
                found = []
            files, skipped = engine.voice_files()
            _list(found, files)
            for entry in skipped:  # one line each: what is wrong with it
                out(f"  skipped {entry}")


def _list(found: list[speech.VoiceInfo], files: Mapping[str, Described]) -> None:
    for voice in sorted(found, key=lambda v: v.id):
        said = f"  {voice.id:<28} {voice.name:<28} {', '.join(voice.languages)}"
        out(_printable(said))
        if voice.id in files:
            described = files[voice.id]
            out(_printable(f"      from {described.source}"))
            out(_printable(f"      licence: {described.licence or 'not stated in its files'}"))


def _printable(text: str) -> str:
    """``text`` with what cannot be printed escaped: a byte of a file name that is not UTF-8
    as ``atomic.shown`` shows it (``\\xe9``), any other lone surrogate (a voice's settings
    may hold one) as ``\\udXXX``."""
    undecoded = re.sub("[\udc80-\udcff]", lambda m: f"\\x{ord(m[0]) - 0xDC00:02x}", text)
    return undecoded.encode("utf-8", "backslashreplace").decode("utf-8")
