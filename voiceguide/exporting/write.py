"""Writing a session: one file (``export``), standard output (``export_stream``), one file per
step (``export_split``), or one file per length (``export_many``).

Nothing is lost. Audio goes to a hidden temporary file beside the target
(``.NAME.partial-PID-XXXX``), is fsynced and then renamed over the target, so the target is
either the previous file or the complete new one. Any error or ``KeyboardInterrupt`` removes
the temporary file; errors the user can cause become one-line ``ExportError``s (a disk-full
one says "nothing was written"). The CLI turns SIGTERM, SIGHUP and SIGQUIT into
``KeyboardInterrupt`` (``interrupts``), so they clean up alike. A SIGKILL can leave a
temporary file behind (never a partial target): ``atomic.cleanup_stale`` removes those of dead
processes on the next run. Targets are checked before any work (``targets``: links are
followed; devices, FIFOs and read-only files refused), and a split directory replaces only an
earlier split of voiceguide's own verified files (``manifest``).

Times are seconds; ``progress(done_seconds, total_seconds)`` is called after each block.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from voiceguide import atomic, durations
from voiceguide.atomic import cleanup_stale
from voiceguide.audio import RATE, Clip
from voiceguide.audio.leveling import CLIP_CEILING_DB
from voiceguide.choices import ExportFormat
from voiceguide.exporting import chapters, mix, stream
from voiceguide.exporting.chapters import Tags
from voiceguide.exporting.encode import Counter, Progress, encode, failure, tag
from voiceguide.exporting.formats import STDOUT, Format, check_size, format_for, is_stdout
from voiceguide.exporting.subtitles import vtt_for, write_vtt
from voiceguide.exporting.targets import (
    NAME_MAX,
    SAY,
    as_target,
    check_distinct,
    check_file,
    check_split_target,
    check_target,
    name_max,
)
from voiceguide.plan import Plan
from voiceguide.session import Inputs, Session

PLAYLIST = "playlist.m3u8"
TITLE_CHARACTERS = 100  # of a step's title in a track's name
TITLE_BYTES = 200  # of the same, in UTF-8: a file system counts bytes (NAME_MAX, 255)
# A session, or how to prepare one: given a function, an export checks its target first and
# prepares (renders speech) only then, so a bad target fails before any work.
Prepared = Session | Callable[[], Session]


@dataclass(frozen=True)
class Exported:
    """A written file: its ``path`` (``STDOUT`` for standard output), ``format`` name,
    decoded ``seconds``, the ``level`` (what leveling did, see ``mix.Level``: ``level.lufs``
    is the speech and chimes' loudness) and what was measured of the mix while it was
    written, before a lossy encoder: its true peak (``peak_db``, dBTP) and the integrated
    loudness of all of it (``lufs``, LUFS: beds, beats and silences count, as for a phone's
    normalization)."""

    path: Path | str
    format: str
    seconds: float
    level: mix.Level
    peak_db: float
    vtt: Path | None = None  # the WebVTT file written beside it, if any
    lufs: float = float("-inf")


@dataclass(frozen=True)
class Track:
    """One file of a split export: the step's ``title``, its decoded ``seconds`` and its
    WebVTT file, if any (times from the track's start)."""

    path: Path
    title: str
    seconds: float
    vtt: Path | None = None


def export(
    prepared: Prepared,
    target: Path | str,
    fmt: str | None = None,
    progress: Progress | None = None,
    vtt: bool = False,
    start: float = 0.0,
    reads: Inputs | None = None,
) -> Exported:
    """Mix ``prepared`` at -16 LUFS and write it to ``target``, atomically, with chapters.

    The file is complete or absent: it is written beside ``target`` and moved into place at
    the end, so a failure or ``KeyboardInterrupt`` leaves any previous ``target`` as it was.

    Args:
        prepared: The session, or a function that prepares it, called once the target is
            known to be good (so that a bad target is refused before any work).
        target: The file to write; ``STDOUT`` (``"-"``) writes to standard output (see
            ``export_stream``), and so does a path to standard output that is no file
            (``/dev/stdout`` into a pipe).
        fmt: wav, flac, ogg, opus or mp3; default: ``target``'s extension (wav for
            standard output).
        progress: Called as ``progress(done_seconds, total_seconds)`` after each block.
        vtt: Also write a WebVTT file of what is said and when beside it (``NAME.vtt``).
        start: Seconds into the session where the file begins (a step's start: ``play
            --start-at`` with ``--else-export``); the gain is the whole session's.
        reads: The files the session reads, which ``target`` may not be; default: a
            ``Session``'s own.

    Returns:
        What was written: its path, format, decoded seconds, level and true peak.

    Raises:
        UsageError: A bad target, before any work: an unknown format, a folder, a device,
            a link to one of the files the session reads, a name too long.
        ExportError: Writing failed (a full disk, a file-size limit, a closed pipe).
    """
    target = as_target(target)
    form = check_target(target, fmt, vtt, reads=_reads(prepared, reads))
    prepared = _session(prepared)
    plan = prepared.plan
    check_size(plan, form)
    if is_stdout(target):
        with stream.standard_output() as out:
            return export_stream(prepared, out, form.name, progress)
    target = Path(target)
    cleanup_stale(atomic.resolve(target).parent)
    clip_for, level = leveled(prepared, form)
    bed = mix.bed_layer(prepared.bed, plan, level.gain_db)
    tags = session_tags(prepared)
    counter = Counter(progress, plan.length - start)
    subtitles = vtt_for(target) if vtt else None
    with atomic.file(target, failure) as temp:
        frames = encode(plan, clip_for, temp, form, (start, plan.length), tags, counter, bed)
        tag(temp, form, tags, chapters.from_plan(plan, start))
        if subtitles is not None:  # before the audio is moved in: a failure leaves neither
            write_vtt(plan, subtitles, (start, plan.length))
    seconds = frames / form.rate
    return Exported(target, form.name, seconds, level, counter.peak_db, subtitles, counter.lufs())


def write_clip(clip: Clip, target: Path, reads: Inputs | None = None) -> Format:
    """Write one ``clip`` (``voiceguide say -o``) to ``target``, atomically, in the format
    its extension names (any an export writes; MP3 resampled to its rate), a few seconds at
    a time (Vorbis crashes on one huge write); returns the format. The target is checked as
    ``say``'s (``targets.check_file``, none of ``reads``); a failed write is an
    ``ExportError``."""
    check_file(target, writer=SAY, reads=reads)
    form = format_for(target, None, SAY.format_option)
    samples = clip.samples
    if form.rate != RATE:
        import soxr

        samples = soxr.resample(samples, RATE, form.rate, quality="HQ").astype(np.float32)
    block = form.rate * 4
    with atomic.file(target, failure) as temp:
        with sf.SoundFile(
            os.fsencode(temp),
            "w",
            form.rate,
            1,
            form.subtype,
            format=form.container,
            **dict(form.options),
        ) as f:
            for first in range(0, len(samples), block):
                f.write(samples[first : first + block])
    return form


def export_stream(
    prepared: Session,
    out: stream.Sink,
    fmt: str = ExportFormat.WAV,
    progress: Progress | None = None,
) -> Exported:
    """Mix ``prepared`` and write it to ``out`` (standard output, a pipe), never seeking.

    WAV is streamed as it is mixed: its frame count is known before, so the header goes
    first with the exact sizes, then the 16-bit PCM block by block. The other formats'
    encoders seek back to finish (FLAC's STREAMINFO, MP3's LAME tag, the chapters), so they
    are encoded to a temporary file in the system's temporary directory (``tempfile``),
    which is copied to ``out``, chapters included, and removed in every case. A reader
    that closes the stream early is an ``ExportError``; so is any failure to write to it.
    What was sent before a failure cannot be taken back.
    """
    form = format_for(STDOUT, fmt)
    plan = prepared.plan
    check_size(plan, form)
    clip_for, level = leveled(prepared, form)
    bed = mix.bed_layer(prepared.bed, plan, level.gain_db)
    tags = session_tags(prepared)
    counter = Counter(progress, plan.length)
    if form.name == ExportFormat.WAV:
        frames = stream.stream_wav(plan, clip_for, out, tags, counter, bed)
    else:
        frames = stream.stream_encoded(plan, clip_for, out, form, tags, counter, bed)
    stream.send(out, b"")
    seconds = frames / form.rate
    return Exported(STDOUT, form.name, seconds, level, counter.peak_db, lufs=counter.lufs())


def export_split(
    prepared: Prepared,
    directory: Path,
    fmt: str = ExportFormat.MP3,
    progress: Progress | None = None,
    vtt: bool = False,
    reads: Inputs | None = None,
) -> list[Track]:
    """One file per plan step in ``directory``, plus ``playlist.m3u8``.

    Tracks are cut at the step boundaries (to the frame) from the same mix as ``export``, so
    the tracks played in order are the whole session (exactly so for wav and flac). They are
    named ``01 - Basic rub.mp3``, ``06 - Fingertip pushes (left).mp3``... The playlist gives
    each track's decoded duration. Atomic as a whole: the tracks are written into a hidden
    directory beside ``directory``, with a manifest of every file, which then takes its place
    (an earlier split there is replaced, and its verified files removed one by one; see
    ``check_split_target``). What killed exports left beside ``directory`` is removed
    first (``cleanup_stale``).

    Args:
        prepared: The session, or a function that prepares it, as for ``export``.
        directory: The folder to write; one voiceguide did not write is refused.
        fmt: The tracks' format: wav, flac, ogg, opus or mp3.
        progress: Called as ``progress(done_seconds, total_seconds)`` after each block.
        vtt: Also write each track's WebVTT file (``01 - Basic rub.vtt``), timed from the
            track's start.
        reads: The files the session reads, as for ``export``.

    Returns:
        The tracks, in order: each one's path, title and decoded seconds.

    Raises:
        UsageError: A bad folder or format, before any work.
        ExportError: Writing failed; the folder is left as it was.
    """
    directory = Path(directory)
    form = check_split_target(directory, fmt, _reads(prepared, reads))
    prepared = _session(prepared)
    plan = prepared.plan
    names = track_names(plan, form, name_max(atomic.resolve(directory).parent))
    for track, name in enumerate(names):
        check_size(plan, form, track, name)
    cleanup_stale(atomic.resolve(directory).parent)
    clip_for, level = leveled(prepared, form)
    bed = mix.bed_layer(prepared.bed, plan, level.gain_db)
    album = session_tags(prepared).title
    counter = Counter(progress, plan.length)
    tracks = []
    with atomic.directory(directory, failure) as temp:
        for number, (step, name) in enumerate(zip(plan.steps, names, strict=True), start=1):
            tags = Tags(step.title, album, track=(number, len(names)))
            span = (step.start, step.end)
            frames = encode(plan, clip_for, temp / name, form, span, tags, counter, bed)
            tag(temp / name, form, tags, [])
            if vtt:
                write_vtt(plan, vtt_for(temp / name), span)
            subtitles = vtt_for(directory / name) if vtt else None
            tracks.append(Track(directory / name, step.title, frames / form.rate, subtitles))
        (temp / PLAYLIST).write_text(playlist(tracks), encoding="utf-8")
    return tracks


def export_many(
    prepare: Callable[[float], Session],
    lengths: Sequence[float],
    targets: Sequence[Path | str],
    fmt: str | None = None,
    progress: Progress | None = None,
    vtt: bool = False,
    reads: Inputs | None = None,
) -> list[Exported]:
    """The routine at each of ``lengths`` exported to the target beside it.

    Every target is checked first (``check_targets``), then every session prepared (a length
    the routine cannot fit is an error there), then every size: nothing is written unless
    all can be.

    Args:
        prepare: Makes the session of one length: ``prepare(seconds)``.
        lengths: The lengths, in seconds.
        targets: One file per length (``length_targets`` names them ``NAME-10m.mp3``).
        fmt: As for ``export``.
        progress: Called as ``progress(done_seconds, total_seconds)``, the seconds counted
            over all the files.
        vtt: As for ``export``, for each file.
        reads: The files the sessions read, which no target may be.

    Returns:
        What was written, one per length, in order.

    Raises:
        UsageError: A bad target, or a length the routine cannot fit.
        RoutineError: As ``prepare`` raises it.
        ExportError: Writing failed; the files written before stay (each is whole).
    """
    check_targets(targets, lengths, fmt, vtt, reads)
    sessions = [prepare(length) for length in lengths]
    for one, target in zip(sessions, targets, strict=True):
        check_size(one.plan, format_for(target, fmt))
    total = sum(s.plan.length for s in sessions)
    results: list[Exported] = []
    done = 0.0
    for one, target in zip(sessions, targets, strict=True):
        results.append(export(one, target, fmt, _offset(progress, done, total), vtt, reads=reads))
        done += one.plan.length
    return results


def check_targets(
    targets: Sequence[Path | str],
    lengths: Sequence[float],
    fmt: str | None,
    vtt: bool,
    reads: Inputs | None = None,
) -> None:
    """Check every target as ``export`` would (none of ``reads``), and that no two lengths
    write one file; a ``UsageError`` before any work."""
    for target in targets:
        check_target(target, fmt, vtt, reads=reads)
    check_distinct(list(zip(lengths, targets, strict=True)), vtt)


def _offset(progress: Progress | None, before: float, total: float) -> Progress | None:
    """``progress`` for one of several jobs: ``before`` seconds done, ``total`` in all."""
    if progress is None:
        return None
    return lambda done, _total: progress(before + done, total)


def session_tags(prepared: Session) -> Tags:
    """Title ``"Back massage (10m)"``, album the routine's title, its description as comment."""
    title = prepared.routine.title
    return Tags(
        f"{title} ({durations.humanize(prepared.plan.length)})",
        title,
        comment=prepared.routine.description or None,
    )


def track_names(plan: Plan, form: Format, most: int = NAME_MAX) -> list[str]:
    """``01 - Basic rub.mp3``...: numbered, the step's title made safe as a file name, the
    whole name at most ``most`` bytes (the folder's file system's limit) less
    ``atomic.TEMP_ROOM`` (what a temporary name adds around it), its WebVTT name too."""
    width = max(2, len(str(len(plan.steps))))
    longest = max(len(form.name), len("vtt"))
    room = most - atomic.TEMP_ROOM - len(f"{0:0{width}d} - .") - longest
    return [
        f"{number:0{width}d} - {safe_name(step.title, min(room, TITLE_BYTES))}.{form.name}"
        for number, step in enumerate(plan.steps, start=1)
    ]


def safe_name(title: str, most: int = TITLE_BYTES) -> str:
    """``title`` without path separators, control or reserved characters (also on Windows),
    at most ``TITLE_CHARACTERS`` characters and ``most`` bytes in UTF-8 (file systems count
    bytes: 100 CJK characters are 300), cut between characters."""
    name = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', " ", title)
    name = re.sub(r"\s+", " ", name).strip(" .")[:TITLE_CHARACTERS].strip(" .")
    encoded = name.encode("utf-8", "surrogatepass")
    if len(encoded) > most:
        name = encoded[: max(0, most)].decode("utf-8", "ignore").strip(" .")
    return name or "step"


def playlist(tracks: Sequence[Track]) -> str:
    """An extended M3U (UTF-8) listing ``tracks`` by file name, with durations in seconds."""
    lines = ["#EXTM3U"]
    for track in tracks:
        lines += [f"#EXTINF:{track.seconds:.3f},{track.title}", track.path.name]
    return "\n".join(lines) + "\n"


def leveled(prepared: Session, form: Format) -> tuple[mix.Leveled, mix.Level]:
    """``mix.level`` of a session for ``form``: its clips are made under the clips' ceiling
    (``leveling.CLIP_CEILING_DB``), so a small gain measures no true peak before the first
    block."""
    return mix.level(
        prepared.plan, prepared.clip, ceiling_db=form.ceiling_db, clip_ceiling_db=CLIP_CEILING_DB
    )


def _session(prepared: Prepared) -> Session:
    return prepared() if callable(prepared) else prepared


def _reads(prepared: Prepared, reads: Inputs | None) -> Inputs | None:
    """``reads``, else the files a prepared ``Session`` reads."""
    if reads is not None or callable(prepared):
        return reads
    return getattr(prepared, "reads", None)
