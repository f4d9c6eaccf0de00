"""``voiceguide export``: the session as an audio file with chapters, as tracks, or on
standard output."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from voiceguide import durations, interrupts
from voiceguide.choices import ExportFormat
from voiceguide.cli.options import (
    CONTEXT,
    DURATION,
    EXPORT_FORMATS,
    make_renderer,
    session_options,
)
from voiceguide.cli.output import Bar, out, render_progress, reported, warn


# long: eleven of its lines are the parameters its click options pass
@click.command(context_settings=CONTEXT)
@click.argument("routine_name", metavar="ROUTINE")
@click.option(
    "-o",
    "--output",
    type=click.Path(allow_dash=True),
    help="The file to write; its extension picks the format (.wav .flac .ogg .opus .mp3). "
    "'-' writes to standard output (WAV unless --format says otherwise).",
)
@click.option(
    "--split",
    type=click.Path(path_type=Path),
    help="Write one track per step into this directory, with playlist.m3u8.",
)
@click.option(
    "--length",
    "-l",
    "lengths",
    type=DURATION,
    multiple=True,
    help="Fit the session to this length; repeat for several files (NAME-10m.mp3 ...).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS, case_sensitive=False),
    help="Override the format the extension implies (default for --split: mp3).",
)
@session_options
@click.option(
    "--vtt", is_flag=True, help="Also write a WebVTT file of what is said and when, per file."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, warnings or summary.")
def export(
    routine_name: str,
    output: str | None,
    split: Path | None,
    lengths: tuple[float, ...],
    fmt: str | None,
    vtt: bool,
    quiet: bool,
    **chosen: Any,
) -> None:
    """Write the session as an audio file with chapters, or one track per step (--split).

    The file is complete or absent: it is written beside the target and moved into place
    at the end, so Ctrl-C, a full disk or an error leave any previous file untouched.
    """
    from voiceguide import exporting, session
    from voiceguide.atomic import shown

    if (output is None) == (split is None):
        raise click.UsageError("give exactly one of -o FILE or --split DIR")
    if split is not None and len(lengths) > 1:
        raise click.UsageError("--split takes one --length")
    bar = Bar(quiet, "exporting")
    with reported(), make_renderer() as renderer:
        reads = session.inputs(routine_name, session.Options(None, **chosen))  # never a target

        def prepare(length: float | None = None) -> session.Session:
            options = session.Options(length, **chosen)
            prepared = session.prepare(
                routine_name, options, renderer, progress=render_progress(quiet)
            )
            warn(prepared, quiet)
            return prepared

        try:
            if split is not None:
                length = lengths[0] if lengths else None
                tracks = exporting.export_split(
                    lambda: prepare(length), split, fmt or ExportFormat.MP3, bar, vtt, reads
                )
                bar.close()
                if not quiet:
                    their = ", their subtitles (.vtt)" if vtt else ""
                    playlist = shown(split / exporting.PLAYLIST)
                    out(f"wrote {len(tracks)} tracks{their} and {playlist}")
                return
            assert output is not None, "one of -o and --split, checked above"
            targets = exporting.length_targets(output, lengths or [None])
            if len(targets) == 1:
                length = lengths[0] if lengths else None
                one = exporting.export(
                    lambda: prepare(length), targets[0], fmt, bar, vtt, reads=reads
                )
                written = [one]
            else:
                written = exporting.export_many(prepare, lengths, targets, fmt, bar, vtt, reads)
            bar.close()
            if not quiet:
                for result in written:
                    streamed = exporting.is_stdout(result.path)
                    name = "standard output" if streamed else shown(result.path)
                    also = f" and {shown(result.vtt)}" if result.vtt else ""
                    line = (
                        f"wrote {name} ({durations.format(result.seconds, True)}, "
                        f"{result.format}, {result.lufs:.1f} LUFS, speech at "
                        f"{result.level.lufs:.1f} LUFS, true peak {result.peak_db:.1f} dBTP)"
                        f"{also}"
                    )
                    if streamed:  # the audio itself is on standard output
                        click.echo(line, err=True)
                    else:
                        out(line)
        except KeyboardInterrupt as exc:
            bar.close()
            click.echo(f"interrupted: {_what_is_left(output)}", err=True)
            sys.exit(interrupts.exit_status(exc))


def _what_is_left(output: str | None) -> str:
    """What an interrupted export leaves: files are written whole or not at all, while
    standard output has had what was sent before the interruption."""
    from voiceguide import exporting

    if output is not None and exporting.is_stdout(output):
        return "the audio stream on standard output was cut short"
    return "nothing was written; any earlier file is as it was"
