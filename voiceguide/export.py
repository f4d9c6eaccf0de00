"""Write a session to an audio file (or one file per step), atomically, with chapters.

The format follows the target's extension - ``.wav``, ``.flac``, ``.ogg`` (Vorbis), ``.opus``,
``.mp3`` - unless ``fmt`` names one. Every file is mono at 48 kHz (the clips' rate, and the
one Opus needs) but MP3, which is written at 24 kHz: nothing voiceguide mixes has sound above
11 kHz (espeak-ng speaks at 22.05 kHz; the chimes' energy above 8 kHz is 1e-12 of the total),
and LAME, most of an MP3 export's time, then has half the frames to encode. Encoding is done
by libsndfile block by block (``mix.blocks``; MP3 through a streaming soxr resampler), so
memory does not grow with the session's length and Vorbis never sees one huge write (it
crashes on those).
Files are gapless: MP3 carries a LAME tag with the encoder delay and padding, Opus its
pre-skip and end trim, so the decoded file lasts the plan's length to the frame (checked by
the tests with libsndfile and with ffmpeg).

Nothing is lost. Audio goes to a hidden temporary file beside the target
(``.NAME.partial-PID-XXXX``), is fsynced and then renamed over the target, so the target is
either the previous file or the complete new one. Any error or ``KeyboardInterrupt`` removes
the temporary file; errors the user can cause become one-line ``ExportError``s (a disk-full
one says "nothing was written"). The CLI turns SIGTERM into ``KeyboardInterrupt``, so it
cleans up alike. A SIGKILL can leave a temporary file behind (never a partial target):
``cleanup_stale`` removes those of dead processes on the next run. Targets are checked before
any work (``targets.py``: links are followed; devices, FIFOs and read-only files refused), and
a split directory replaces only an earlier split of voiceguide's own verified files
(``manifest.py``). ``STDOUT`` (``"-"``) streams to standard output instead (``export_stream``).

Times are seconds; ``progress(done_seconds, total_seconds)`` is called after each block.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf
import soxr

from voiceguide import atomic, chapters, durations, mix, session, speech, stdout, targets
from voiceguide.atomic import cleanup_stale, shown  # noqa: F401 - part of this module's API
from voiceguide.audio import RATE
from voiceguide.chapters import Chapter, Tags
from voiceguide.errors import ExportError, UsageError
from voiceguide.plan import Plan

Progress = Callable[[float, float], None]

PLAYLIST = "playlist.m3u8"
STDOUT = "-"  # the target that means standard output (a str: Path("-") is a file named "-")
WAV_MAX_BYTES = 2**32 - 1 - 1024  # a RIFF file's sizes are 32-bit; keep room for the header


@dataclass(frozen=True)
class Format:
    """An output format: libsndfile ``container`` and ``subtype``, encoder ``options`` and the
    true-peak ceiling (dBTP) of the mix before encoding."""

    name: str
    container: str
    subtype: str
    lossy: bool
    options: tuple[tuple[str, object], ...] = ()
    ceiling_db: float = mix.CEILING_DB
    rate: int = RATE  # frames per second of the file


# Lossy encoders raise true peaks (measured on espeak-ng speech: MP3 at 24 kHz +0.2 dB with
# V2 - V4 raised one cue +0.9 dB, hence V2 -, Vorbis +0.8 dB,
# Opus +1.3 dB), so their mix is limited lower, to keep the *decoded* file under -1 dBTP;
# mix.level makes up the loudness the limiter takes. Quality settings suit mono speech:
# MP3 LAME VBR ~V2 at 24 kHz, Vorbis q4 (~65 kbit/s), Opus ~64 kbit/s.
FORMATS = {
    "wav": Format("wav", "WAV", "PCM_16", False),
    "flac": Format("flac", "FLAC", "PCM_24", False),
    "mp3": Format(
        "mp3",
        "MP3",
        "MPEG_LAYER_III",
        True,
        (("bitrate_mode", "VARIABLE"), ("compression_level", 0.2)),
        -2.0,
        24_000,  # MPEG-2 Layer III: see the module docstring
    ),
    "ogg": Format("ogg", "OGG", "VORBIS", True, (("compression_level", 0.6),), -2.5),
    "opus": Format("opus", "OGG", "OPUS", True, (("compression_level", 0.8),), -3.0),
}
EXTENSIONS = {
    ".wav": "wav",
    ".flac": "flac",
    ".ogg": "ogg",
    ".oga": "ogg",
    ".opus": "opus",
    ".mp3": "mp3",
}


@dataclass(frozen=True)
class Exported:
    """A written file: its ``path`` (``STDOUT`` for standard output), ``format`` name,
    decoded ``seconds`` and the ``level`` (loudness and true peak of the mix, see
    ``mix.Level``)."""

    path: Path | str
    format: str
    seconds: float
    level: mix.Level
    vtt: Path | None = None  # the WebVTT file written beside it, if any


@dataclass(frozen=True)
class Track:
    """One file of a split export: the step's ``title``, its decoded ``seconds`` and its
    WebVTT file, if any (times from the track's start)."""

    path: Path
    title: str
    seconds: float
    vtt: Path | None = None


# -- checks before any work -------------------------------------------------------------------


def is_stdout(target: Path | str) -> bool:
    """``target`` is ``STDOUT``: exactly the string ``"-"``, never a ``Path``."""
    return isinstance(target, str) and target == STDOUT


def format_for(target: Path | str, fmt: str | None = None) -> Format:
    """The format ``fmt`` names, else the one of ``target``'s extension (wav for
    ``STDOUT``); ``UsageError`` if neither is known."""
    names = ", ".join(FORMATS)
    if fmt is None and is_stdout(target):
        return FORMATS["wav"]
    if fmt is not None:
        if fmt.lower().lstrip(".") not in FORMATS:
            raise UsageError(f"unknown format {fmt!r}: use one of {names}")
        return FORMATS[fmt.lower().lstrip(".")]
    suffix = Path(target).suffix.lower()
    if suffix not in EXTENSIONS:
        raise UsageError(
            f"cannot tell the format of '{shown(target)}' from its extension: "
            f"name it .wav, .flac, .ogg, .opus or .mp3, or give the format ({names})"
        )
    return FORMATS[EXTENSIONS[suffix]]


def check_target(target: Path | str, fmt: str | None = None, vtt: bool = False) -> Format:
    """Check, before any rendering, that ``target`` can be written; returns its ``Format``.

    Raises ``UsageError`` (exit status 2) for an unknown format, a missing or unwritable
    directory, a target that is a directory, a device, a FIFO or a socket, or a read-only
    file (see ``targets.check_file``; a link is followed). Writability is tried for real (a
    temporary file is created and removed), so read-only mounts and ACLs are caught too.
    ``STDOUT`` is refused when standard output is a terminal. With ``vtt``, the WebVTT file
    beside it (``vtt_for``) is checked by the same rules, and must not be the audio file.
    """
    if is_stdout(target):
        if vtt:
            raise UsageError(
                "standard output ('-') carries the audio only: give a file name to write "
                "subtitles (vtt) beside it"
            )
        if stdout.is_terminal():
            raise UsageError(
                "standard output is a terminal, which plays no audio: pipe it to a player "
                "(... - | mpv -) or give a file name"
            )
        return format_for(target, fmt)
    written = targets.check_file(target)
    form = format_for(target, fmt)
    if not vtt:
        return form
    subtitles = vtt_for(target)
    advice = "the subtitles (--vtt) go there: move it away, or give the audio another name"
    if os.path.abspath(targets.check_file(subtitles, advice)) == os.path.abspath(written):
        raise UsageError(
            f"the subtitles would be written over the audio: both are {shown(target)}; "
            f"name the audio file after its format (such as "
            f"{shown(subtitles.with_suffix('.' + form.name))})"
        )
    return form


def vtt_for(target: Path) -> Path:
    """The WebVTT file that goes with the audio file ``target``: ``NAME.vtt`` beside it."""
    return Path(target).with_suffix(".vtt")


def check_split_target(directory: Path, fmt: str) -> Format:
    """Check that ``directory`` can receive a split export; returns the ``Format``.

    ``directory`` may be absent, empty, or an earlier split: nothing in it but the files
    its manifest lists, unchanged (``manifest.py``), which are replaced. Anything else is a
    ``UsageError`` naming the first foreign entry: we never delete a user's files.
    """
    form = format_for(directory, fmt)
    targets.check_split_directory(directory)
    return form


# -- writing ----------------------------------------------------------------------------------


def export(
    prepared: session.Session,
    target: Path | str,
    fmt: str | None = None,
    progress: Progress | None = None,
    vtt: bool = False,
    start: float = 0.0,
) -> Exported:
    """Mix ``prepared`` at -16 LUFS and write it to ``target``, atomically, with chapters.

    The format follows ``target``'s extension, or ``fmt`` (wav, flac, ogg, opus, mp3).
    ``target`` may be ``STDOUT`` (``"-"``): see ``export_stream`` (wav unless ``fmt``
    says otherwise). ``progress(done_seconds, total_seconds)`` is called after each block.
    With ``vtt`` a WebVTT file of what is said and when is written beside it
    (``NAME.vtt``). ``start``: seconds into the session where the file begins (a step's
    start: ``play --start-at`` with ``--else-export``); the gain is the whole session's.
    Raises ``UsageError`` for a bad target (before any work),
    ``ExportError`` when writing fails (the previous ``target``, if any, is left
    untouched); ``KeyboardInterrupt`` propagates after cleaning up.
    """
    form = check_target(target, fmt, vtt)
    plan = prepared.plan
    _check_size(plan, form)
    if is_stdout(target):
        with stdout.standard_output() as stream:
            return export_stream(prepared, stream, form.name, progress)
    target = Path(target)
    cleanup_stale(atomic.resolve(target).parent)
    clip_for, level = mix.level(plan, prepared.clip, ceiling_db=form.ceiling_db)
    tags = session_tags(prepared)
    counter = _Counter(progress, plan.length - start)
    subtitles = vtt_for(target) if vtt else None
    with atomic.file(target, _failure) as temp:
        frames = _encode(plan, clip_for, temp, form, (start, plan.length), tags, counter)
        _tag(temp, form, tags, chapters.from_plan(plan, start))
        if subtitles is not None:  # before the audio is moved in: a failure leaves neither
            write_vtt(plan, subtitles, (start, plan.length))
    return Exported(target, form.name, frames / form.rate, level, subtitles)


def export_stream(
    prepared: session.Session,
    stream: BinaryIO,
    fmt: str = "wav",
    progress: Progress | None = None,
) -> Exported:
    """Mix ``prepared`` and write it to ``stream`` (standard output, a pipe), never seeking.

    WAV is streamed as it is mixed: its frame count is known before, so the header goes
    first with the exact sizes, then the 16-bit PCM block by block. The other formats'
    encoders seek back to finish (FLAC's STREAMINFO, MP3's LAME tag, the chapters), so they
    are encoded to a temporary file in the system's temporary directory (``tempfile``),
    which is copied to ``stream``, chapters included, and removed in every case. A reader
    that closes the stream early is an ``ExportError``; so is any failure to write to it.
    What was sent before a failure cannot be taken back.
    """
    form = format_for(STDOUT, fmt)
    plan = prepared.plan
    _check_size(plan, form)
    clip_for, level = mix.level(plan, prepared.clip, ceiling_db=form.ceiling_db)
    tags = session_tags(prepared)
    counter = _Counter(progress, plan.length)
    if form.name == "wav":
        frames = _stream_wav(plan, clip_for, stream, tags, counter)
    else:
        frames = _stream_encoded(plan, clip_for, stream, form, tags, counter)
    stdout.send(stream, b"")
    return Exported(STDOUT, form.name, frames / form.rate, level)


def export_split(
    prepared: session.Session,
    directory: Path,
    fmt: str = "mp3",
    progress: Progress | None = None,
    vtt: bool = False,
) -> list[Track]:
    """One file per plan step in ``directory``, plus ``playlist.m3u8``; returns the tracks.

    Tracks are cut at the step boundaries (to the frame) from the same mix as ``export``, so
    the tracks played in order are the whole session (exactly so for wav and flac). They are
    named ``01 - Basic rub.mp3``, ``06 - Fingertip pushes (left).mp3``... The playlist gives
    each track's decoded duration. Atomic as a whole: the tracks are written into a hidden
    directory beside ``directory``, with a manifest of every file, which then takes its place
    (an earlier split there is replaced, and its verified files removed one by one; see
    ``check_split_target``). What killed exports left beside ``directory`` is removed
    first (``cleanup_stale``). With ``vtt``, each track gets its WebVTT file (``01 - Basic
    rub.vtt``), timed from the track's start.
    """
    directory = Path(directory)
    form = check_split_target(directory, fmt)
    plan = prepared.plan
    for track in range(len(plan.steps)):
        _check_size(plan, form, track)
    cleanup_stale(atomic.resolve(directory).parent)
    clip_for, _ = mix.level(plan, prepared.clip, ceiling_db=form.ceiling_db)
    names = track_names(plan, form)
    album = session_tags(prepared).title
    counter = _Counter(progress, plan.length)
    tracks = []
    with atomic.directory(directory, _failure) as temp:
        for number, (step, name) in enumerate(zip(plan.steps, names, strict=True), start=1):
            tags = Tags(step.title, album, track=(number, len(names)))
            span = (step.start, step.end)
            frames = _encode(plan, clip_for, temp / name, form, span, tags, counter)
            _tag(temp / name, form, tags, [])
            if vtt:
                write_vtt(plan, vtt_for(temp / name), span)
            subtitles = vtt_for(directory / name) if vtt else None
            tracks.append(Track(directory / name, step.title, frames / form.rate, subtitles))
        (temp / PLAYLIST).write_text(playlist(tracks), encoding="utf-8")
    return tracks


def export_lengths(
    name_or_path: str,
    jobs: Sequence[tuple[float, Path]],
    renderer: speech.Renderer,
    options: session.Options | None = None,
    fmt: str | None = None,
    progress: Progress | None = None,
    render_progress: Callable[[int, int], None] | None = None,
    cache_dir: Path | None = None,
    vtt: bool = False,
) -> list[Exported]:
    """Export the routine at several lengths: ``jobs`` is ``[(length_seconds, target)...]``.

    Every target is checked (two jobs writing one file are a ``UsageError``), and every
    session prepared (so a length the routine cannot fit is a ``UsageError``), before any
    file is written. Speech is rendered once: the sessions share the clip cache
    (``cache_dir`` or the default). ``progress`` counts seconds over all the jobs;
    ``render_progress`` is ``session.prepare``'s. ``vtt``: as for ``export``, for each file.
    """
    for _, target in jobs:
        check_target(target, fmt, vtt)
    _check_distinct(jobs, vtt)
    options = options or session.Options()

    def prepare(length: float) -> session.Session:
        wanted = dataclasses.replace(options, length=length)
        return session.prepare(name_or_path, wanted, renderer, cache_dir, render_progress)

    prepared = [prepare(length) for length, _ in jobs]
    for one, (_, target) in zip(prepared, jobs, strict=True):
        _check_size(one.plan, format_for(target, fmt))
    total = sum(p.plan.length for p in prepared)
    results: list[Exported] = []
    done = 0.0
    for one, (_, target) in zip(prepared, jobs, strict=True):
        results.append(export(one, target, fmt, _offset(progress, done, total), vtt))
        done += one.plan.length
    return results


def _check_distinct(jobs: Sequence[tuple[float, Path | str]], vtt: bool = False) -> None:
    """``UsageError`` naming both lengths and the file when two jobs would write one file
    (``-l 2m -l 2m0.4s``: file names round to whole seconds), links followed; with ``vtt``
    their WebVTT files count too (``a.wav`` and ``a.flac`` share ``a.vtt``)."""
    seen: dict[Path | str, tuple[float, Path | str]] = {}
    outputs = [(length, target) for length, target in jobs]
    if vtt:
        outputs += [(length, vtt_for(target)) for length, target in jobs if not is_stdout(target)]
    for length, target in outputs:
        key = target if is_stdout(target) else Path(os.path.abspath(atomic.resolve(target)))
        if key not in seen:
            seen[key] = (length, target)
            continue
        first, second = _spelled(seen[key][0]), _spelled(length)
        where = "standard output" if is_stdout(target) else shown(target)
        if seen[key][1] != target:
            raise UsageError(
                f"lengths {first} and {second} would both be written to {shown(key)}, through "
                f"{shown(seen[key][1])} and {where}: give each length its own file"
            )
        if first == second:
            raise UsageError(
                f"length {first} is given twice, and both would be written to {where}: "
                "give each length once"
            )
        raise UsageError(
            f"lengths {first} and {second} would both be written to {where} (file names "
            "give whole seconds): give lengths at least a second apart"
        )


def _spelled(seconds: float) -> str:
    """``120`` -> ``"2m"``, ``120.4`` -> ``"2:00.400"``: a length as ``--length`` takes it."""
    if seconds == round(seconds):
        return durations.humanize(seconds)
    return durations.format(seconds, millis=True)


def _offset(progress: Progress | None, before: float, total: float) -> Progress | None:
    """``progress`` for one of several jobs: ``before`` seconds done, ``total`` in all."""
    if progress is None:
        return None
    return lambda done, _total: progress(before + done, total)


def length_targets(target: Path | str, lengths: Sequence[float]) -> list[Path | str]:
    """One target per length: ``target`` itself for one length, else ``NAME-10m.EXT``...

    ``STDOUT`` takes one length only (a ``UsageError`` otherwise)."""
    if is_stdout(target):
        if len(lengths) > 1:
            raise UsageError(
                "standard output ('-') takes one length: give one length, or a file name "
                "for one file per length"
            )
        return [STDOUT]
    target = Path(target)
    if len(lengths) == 1:
        return [target]
    return [
        target.with_name(f"{target.stem}-{durations.humanize(length)}{target.suffix}")
        for length in lengths
    ]


def session_tags(prepared: session.Session) -> Tags:
    """Title ``"Back massage (10m)"``, album the routine's title, its description as comment."""
    title = prepared.routine.title
    return Tags(
        f"{title} ({durations.humanize(prepared.plan.length)})",
        title,
        comment=prepared.routine.description or None,
    )


def track_names(plan: Plan, form: Format) -> list[str]:
    """``01 - Basic rub.mp3``...: numbered, the step's title made safe as a file name."""
    width = max(2, len(str(len(plan.steps))))
    return [
        f"{number:0{width}d} - {safe_name(step.title)}.{form.name}"
        for number, step in enumerate(plan.steps, start=1)
    ]


def safe_name(title: str) -> str:
    """``title`` without path separators, control or reserved characters (also on Windows)."""
    name = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', " ", title)
    name = re.sub(r"\s+", " ", name).strip(" .")[:100].strip(" .")
    return name or "step"


def playlist(tracks: Sequence[Track]) -> str:
    """An extended M3U (UTF-8) listing ``tracks`` by file name, with durations in seconds."""
    lines = ["#EXTM3U"]
    for track in tracks:
        lines += [f"#EXTINF:{track.seconds:.3f},{track.title}", track.path.name]
    return "\n".join(lines) + "\n"


def write_vtt(plan: Plan, path: Path, span: tuple[float, float] | None = None) -> None:
    """A WebVTT file of what is said (and which chime rings) and when; written atomically.

    ``span`` (start, end seconds; default the whole plan) keeps what sounds in it, timed
    from its start and cut at its ends: a split track's subtitles."""
    start, end = span if span is not None else (0.0, plan.length)
    lines = ["WEBVTT", ""]
    sounding = [e for e in plan.events if e.end > start and e.at < end]
    for number, event in enumerate(sounding, start=1):
        text = event.text if event.kind == "speech" else f"[{event.sound.name} chime]"
        begin, stop = max(event.at, start) - start, min(event.end, end) - start
        lines += [str(number), f"{chapters.timestamp(begin)} --> {chapters.timestamp(stop)}"]
        lines += [text, ""]
    with atomic.file(Path(path), _failure) as temp:
        temp.write_text("\n".join(lines), encoding="utf-8")


# -- internals --------------------------------------------------------------------------------


class _Counter:
    """Adds up written seconds and reports them to a ``progress`` callback."""

    def __init__(self, progress: Progress | None, total: float):
        self.progress = progress
        self.total = total
        self.frames = 0

    def add(self, frames: int) -> None:
        self.frames += frames
        if self.progress is not None:
            self.progress(min(self.frames / RATE, self.total), self.total)


def _check_size(plan: Plan, form: Format, track: int | None = None) -> None:
    """``UsageError`` when the file would not hold the audio (a WAV file holds 4 GiB), for
    the whole plan or its step ``track`` (an index: a split track). Called before any audio
    is mixed, once the plan is known."""
    span = (0.0, plan.length) if track is None else (plan.steps[track].start, plan.steps[track].end)
    frames = mix.frames(span[1]) - mix.frames(span[0])
    if form.name != "wav" or frames * 2 <= WAV_MAX_BYTES:
        return
    longest = durations.humanize(WAV_MAX_BYTES // 2 // RATE)
    lasts = durations.humanize(span[1] - span[0])
    if track is None:
        advice = f"export {lasts} to .flac instead"
    else:
        name = track_names(plan, form)[track]
        advice = f"track {name!r} would last {lasts}: split it as flac instead"
    raise UsageError(f"a .wav file holds at most {longest} of 48 kHz 16-bit audio; {advice}")


def _encode(
    plan: Plan,
    clip_for: mix.ClipFor,
    path: Path,
    form: Format,
    span: tuple[float, float],
    tags: Tags,
    counter: _Counter,
) -> int:
    """Encode the mix over ``span`` (start, end seconds) into ``path``; returns the frames
    written (at ``form.rate``), after checking that the decoder finds exactly that many."""
    start, end = span
    options = dict(form.options)
    resampler = None
    if form.rate != RATE:
        resampler = soxr.ResampleStream(RATE, form.rate, 1, dtype="float32", quality="HQ")
    written = 0
    with sf.SoundFile(
        os.fsencode(path), "w", form.rate, 1, form.subtype, format=form.container, **options
    ) as f:
        if form.name == "wav":  # a LIST INFO chunk, written by libsndfile with the header
            f.title, f.album, f.artist = tags.title, tags.album, tags.artist
            if tags.comment:
                f.comment = tags.comment
        for block in mix.blocks(plan, clip_for, start, end, reuse=True):
            out = block if resampler is None else resampler.resample_chunk(block)
            f.write(out)
            written += len(out)
            counter.add(len(block))
        if resampler is not None:  # the resampler's last frames
            out = resampler.resample_chunk(np.zeros(0, dtype=np.float32), last=True)
            f.write(out)
            written += len(out)
    found = sf.info(os.fsencode(path)).frames  # bytes: soundfile cannot encode a non-UTF-8 str
    if found != written:
        raise ExportError(
            f"the {form.name} encoder wrote {found / form.rate:.3f}s of "
            f"{written / form.rate:.3f}s to {shown(path.name)}: nothing was written"
        )
    return found


def _stream_wav(
    plan: Plan, clip_for: mix.ClipFor, stream: BinaryIO, tags: Tags, counter: _Counter
) -> int:
    """The whole session as a 16-bit WAV on ``stream``, block by block; returns the frames.

    Samples are converted as libsndfile (1.2) converts them - to 32 bits, rounded and
    clipped, then the top 16 bits - so the PCM is that of the WAV file ``export`` writes."""
    frames = mix.total_frames(plan)
    stdout.send(stream, stdout.wav_header(frames, tags))
    for block in mix.blocks(plan, clip_for, reuse=True):
        wide = np.clip(np.rint(block.astype(np.float64) * 2.0**31), -(2.0**31), 2.0**31 - 1)
        pcm = (wide // 65536).astype("<i2")
        stdout.send(stream, pcm.tobytes())
        counter.add(len(block))
    return frames


def _stream_encoded(
    plan: Plan,
    clip_for: mix.ClipFor,
    stream: BinaryIO,
    form: Format,
    tags: Tags,
    counter: _Counter,
) -> int:
    """Encode the session (with chapters) into a temporary file, copy it to ``stream``,
    remove it whatever happens; returns the frames (at ``form.rate``)."""
    handle, name = tempfile.mkstemp(prefix="voiceguide-", suffix=f".{form.name}")
    os.close(handle)
    temp = Path(name)
    try:
        try:
            frames = _encode(plan, clip_for, temp, form, (0.0, plan.length), tags, counter)
            _tag(temp, form, tags, chapters.from_plan(plan))
        except BaseException as exc:
            failure = _failure(temp, exc)
            if failure is not None:
                raise failure from exc
            raise
        with open(temp, "rb") as f:
            while chunk := f.read(1 << 20):
                stdout.send(stream, chunk)
        return frames
    finally:
        temp.unlink(missing_ok=True)


def _tag(path: Path, form: Format, tags: Tags, marks: Sequence[Chapter]) -> None:
    if form.name == "wav":
        return  # no chapters in WAV (see chapters.py); its tags were written by _encode
    chapters.write(path, form.name, tags, marks)


def _failure(target: Path, exc: BaseException) -> ExportError | None:
    """The ``ExportError`` for ``exc`` (decided before the temporary file is removed, while
    a full disk is still full), or ``None`` to let ``exc`` propagate as it is."""
    cause = exc
    if not isinstance(exc, OSError | sf.LibsndfileError):
        from mutagen import MutagenError

        if not isinstance(exc, MutagenError):
            return None
        cause = exc.__cause__ or exc.__context__ or exc
    code = getattr(cause, "errno", None)
    if code is None and isinstance(cause, sf.LibsndfileError) and _disk_full(target.parent):
        code = errno.ENOSPC
    if code in (errno.ENOSPC, errno.EDQUOT):
        return ExportError(f"disk full writing {shown(target)}: nothing was written")
    if isinstance(cause, sf.LibsndfileError):
        reason = f"the encoder failed ({cause.error_string.rstrip('.')})"
    else:
        reason = getattr(cause, "strerror", None) or str(cause) or type(cause).__name__
    return ExportError(f"could not write {shown(target)}: {reason}: nothing was written")


def _disk_full(directory: Path, margin: int = 1 << 20) -> bool:
    try:
        return shutil.disk_usage(directory).free < margin
    except OSError:
        return False
