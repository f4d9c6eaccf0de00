"""Exported files, decoded and measured as audio: length, onsets, loudness, peaks, chapters,
split tracks, atomic writes under failures and signals.

The tone engine stands in for speech (fast); one test runs the real engine.
"""

from __future__ import annotations

import concurrent.futures
import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import mutagen
import numpy as np
import pyloudnorm
import pytest
import scipy.signal
import soundfile as sf
from mutagen.id3 import ID3

from voiceguide import atomic, manifest, session
from voiceguide import exporting as export
from voiceguide.audio import RATE
from voiceguide.errors import ExportError, UsageError
from voiceguide.exporting import chapters, mix, subtitles
from voiceguide.testing.fakes import tone_renderer
from voiceguide.testing.onsets import onset_error
from voiceguide.testing.signals import reference_true_peak_db

FORMATS = ["wav", "flac", "mp3", "ogg", "opus"]
# each format as a test parameter: the lossy encoders take seconds for 10 minutes of audio
# (measured: opus 9.2 s, mp3 5.2 s, ogg 4.3 s on 2 cores), so --quick leaves them out
EACH_FORMAT = [fmt if fmt in ("wav", "flac") else pytest.param(fmt, marks=pytest.mark.slow)
               for fmt in FORMATS]  # fmt: skip
LOSSLESS = {"wav", "flac"}
HAVE_FFMPEG = shutil.which("ffmpeg") is not None
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ten(shared):
    """back-massage fitted to 10 minutes."""
    return shared.prepare("back-massage", 600.0)


@pytest.fixture(scope="module")
def exported(ten, tmp_path_factory):
    """``exported(fmt)`` -> (Exported, decoded float64 samples), each written once."""
    directory = tmp_path_factory.mktemp("exported")
    done = {}

    def get(fmt: str):
        if fmt not in done:
            result = export.export(ten, directory / f"back-massage.{fmt}")
            done[fmt] = (result, decode(result.path))
        return done[fmt]

    return get


def decode(path: Path) -> np.ndarray:
    """The file's samples at 48 kHz (an MP3, written at 24 kHz, upsampled by scipy)."""
    samples, rate = sf.read(str(path), dtype="float64")
    assert rate == export.FORMATS[export.EXTENSIONS[path.suffix]].rate and samples.ndim == 1
    if rate != RATE:
        samples = scipy.signal.resample_poly(samples, RATE // rate, 1)
    return samples


def frames_at(frames: int, rate: int) -> int:
    """``frames`` at 48 kHz as frames at ``rate`` (the resampler rounds half frames up)."""
    return -(-frames * rate // RATE)


def ffmpeg_decode(path: Path, rate: int = RATE) -> np.ndarray:
    command = ["ffmpeg", "-v", "error", "-i", str(path), "-f", "f64le", "-ac", "1"]
    command += ["-ar", str(rate), "-"]
    out = subprocess.run(command, capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype=np.float64)


def no_temp_files(directory: Path) -> bool:
    return not [p for p in directory.iterdir() if ".partial-" in p.name or ".old-" in p.name]


# -- the audio ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.slow
def test_every_format_decodes_to_the_plans_length(fmt, exported, ten):
    result, _ = exported(fmt)
    rate = export.FORMATS[fmt].rate
    native = sf.info(str(result.path)).frames
    assert native == frames_at(mix.total_frames(ten.plan), rate)  # exact, lossy too (gapless)
    assert result.seconds == pytest.approx(ten.plan.length, abs=1 / rate)
    if HAVE_FFMPEG:
        assert abs(len(ffmpeg_decode(result.path, rate)) - native) <= 0.05 * rate


def heard_alone(plan) -> list:
    """The events no other sound overlaps: every chime and word, and the pace guide's beats
    between words (a beat under speech is 26 dB down: cross-correlation finds the voice;
    tests/exporting/test_pace_export.py measures those in the difference of two exports)."""
    speech = [e for e in plan.events if e.kind == "speech"]
    return [
        e
        for e in plan.events
        if e.kind != "pulse" or not any(s.at < e.end and e.at < s.end for s in speech)
    ]


@pytest.mark.parametrize("fmt", EACH_FORMAT)
def test_every_event_starts_where_planned(fmt, exported, ten):
    _, decoded = exported(fmt)
    events = heard_alone(ten.plan)
    assert any(e.kind == "pulse" for e in events)
    errors = [onset_error(decoded, ten.clip(e).samples, e.at) for e in events]
    worst = max(map(abs, errors))
    assert worst <= (1e-3 if fmt in LOSSLESS else 10e-3), f"{fmt}: worst onset error {worst}"


@pytest.mark.parametrize("fmt", ["mp3", "opus"])
@pytest.mark.skipif(not HAVE_FFMPEG, reason="ffmpeg is not installed")
@pytest.mark.slow
def test_ffmpeg_finds_the_onsets_where_libsndfile_does(fmt, exported, ten):
    """ffmpeg honours the LAME tag's delay (MP3) and the pre-skip (Opus) as libsndfile does."""
    result, _ = exported(fmt)
    decoded = ffmpeg_decode(result.path)
    errors = [onset_error(decoded, ten.clip(e).samples, e.at) for e in heard_alone(ten.plan)]
    assert max(map(abs, errors)) <= 10e-3


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.slow
def test_loudness_is_minus_16_with_true_peak_under_minus_1(fmt, exported, ten):
    result, decoded = exported(fmt)
    assert pyloudnorm.Meter(RATE).integrated_loudness(decoded) == pytest.approx(-16.0, abs=1.0)
    assert np.abs(decoded).max() < 1.0
    # from 10 ms before each sound (never before the start: the opening chime is at 0:00)
    spans = [
        decoded[max(0, mix.frames(e.at) - 480) : mix.frames(e.end) + 480] for e in ten.plan.events
    ]
    assert max(reference_true_peak_db(span) for span in spans) <= -1.0
    assert result.level.lufs == pytest.approx(-16.0, abs=0.3)


@pytest.mark.parametrize("fmt", ["flac", pytest.param("mp3", marks=pytest.mark.slow)])
def test_every_spoken_cue_is_equally_loud(fmt, exported, ten):
    _, decoded = exported(fmt)
    meter = pyloudnorm.Meter(RATE)
    levels = [
        meter.integrated_loudness(decoded[mix.frames(e.at) : mix.frames(e.end)])
        for e in ten.plan.events
        if e.kind == "speech"
    ]
    assert max(levels) - min(levels) <= 1.0, levels


@pytest.mark.slow
def test_there_are_no_clicks(exported):
    _, decoded = exported("flac")
    # a click is a jump of a quarter of the peak between neighbouring frames (test_sounds.py)
    assert np.abs(np.diff(decoded)).max() < 0.25 * np.abs(decoded).max()


# -- chapters and tags -------------------------------------------------------------------------


@pytest.mark.slow
def test_mp3_chapters_are_the_plans_steps_in_time_order(exported, ten):
    result, _ = exported("mp3")
    tags = ID3(result.path)
    (toc,) = tags.getall("CTOC")
    chaps = {c.element_id: c for c in tags.getall("CHAP")}
    ordered = [chaps[i] for i in toc.child_element_ids]
    assert [c.sub_frames["TIT2"].text[0] for c in ordered] == [s.title for s in ten.plan.steps]
    assert [c.start_time for c in ordered] == [round(s.start * 1000) for s in ten.plan.steps]
    assert ordered[-1].end_time == round(ten.plan.length * 1000)
    assert "Fingertip pushes (left)" in [s.title for s in ten.plan.steps]
    assert str(tags["TIT2"]) == "Back massage (10m)"
    if HAVE_FFMPEG:
        probe = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "chapter=start_time", "-of", "csv=p=0"]
            + [str(result.path)],
            capture_output=True,
            text=True,
            check=True,
        )
        starts = [float(line) for line in probe.stdout.split()]
        assert starts == pytest.approx([s.start for s in ten.plan.steps], abs=1e-3)


@pytest.mark.parametrize(
    "fmt", ["flac", *(pytest.param(f, marks=pytest.mark.slow) for f in ("ogg", "opus"))]
)
def test_vorbis_comment_chapters_are_the_plans_steps(fmt, exported, ten):
    result, _ = exported(fmt)
    tags = mutagen.File(result.path).tags
    for number, step in enumerate(ten.plan.steps, start=1):
        assert tags[f"CHAPTER{number:03d}"] == [chapters.timestamp(step.start)]
        assert tags[f"CHAPTER{number:03d}NAME"] == [step.title]
    assert f"CHAPTER{len(ten.plan.steps) + 1:03d}" not in tags
    assert tags["TITLE"] == ["Back massage (10m)"] and tags["ARTIST"] == ["voiceguide"]


def test_wav_carries_the_title(exported):
    result, _ = exported("wav")
    with sf.SoundFile(str(result.path)) as f:
        assert (f.title, f.album, f.artist) == ("Back massage (10m)", "Back massage", "voiceguide")


def test_timestamps_are_hours_minutes_seconds_millis():
    assert chapters.timestamp(0.0) == "00:00:00.000"
    assert chapters.timestamp(3725.5004) == "01:02:05.500"


def test_the_webvtt_says_what_is_said_and_when(ten, tmp_path):
    subtitles.write_vtt(ten.plan, tmp_path / "s.vtt")
    text = (tmp_path / "s.vtt").read_text()
    assert text.startswith("WEBVTT\n")
    first = next(e for e in ten.plan.events if e.kind == "speech")  # after the opening chime
    assert (
        f"{chapters.timestamp(first.at)} --> {chapters.timestamp(first.end)}\n{first.text}" in text
    )
    assert "00:00:00.000 --> 00:00:00.750\n[soft chime]" in text
    assert "[bell chime]" in text and no_temp_files(tmp_path)


# -- split -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["flac", "mp3"])
@pytest.mark.slow
def test_split_tracks_are_the_steps_and_add_up_to_the_whole(fmt, ten, exported, tmp_path):
    tracks = export.export_split(ten, tmp_path / "split", fmt)
    assert len(tracks) == len(ten.plan.steps)
    assert tracks[0].path.name == "01 - Get ready." + fmt
    assert f"06 - Fingertip pushes (left).{fmt}" in [t.path.name for t in tracks]
    lines = (tmp_path / "split" / export.PLAYLIST).read_text().splitlines()
    assert lines[0] == "#EXTM3U" and len(lines) == 1 + 2 * len(tracks)
    decoded = [decode(t.path) for t in tracks]
    for track, info, name, samples in zip(tracks, lines[1::2], lines[2::2], decoded, strict=True):
        seconds, title = info.removeprefix("#EXTINF:").split(",", 1)
        assert (name, title) == (track.path.name, track.title)
        assert float(seconds) == pytest.approx(
            len(samples) / RATE, abs=0.05 if fmt == "mp3" else 1e-3
        )
    whole = np.concatenate(decoded)
    # each MP3 track is resampled alone: up to a frame (of 24 kHz) more per track
    assert 0 <= len(whole) - mix.total_frames(ten.plan) <= (2 * len(tracks) if fmt == "mp3" else 0)
    if fmt == "flac":
        np.testing.assert_array_equal(whole, exported("flac")[1])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["split"]


@pytest.mark.slow
def test_split_replaces_an_earlier_split_but_never_a_foreign_directory(ten, tmp_path):
    target = tmp_path / "out"
    export.export_split(ten, target, "flac")
    tracks = export.export_split(ten, target, "wav")
    assert sorted(p.name for p in target.iterdir()) == sorted(
        [t.path.name for t in tracks] + [export.PLAYLIST, manifest.NAME]
    )
    assert no_temp_files(tmp_path)
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "cat.jpg").write_bytes(b"meow")
    with pytest.raises(UsageError, match="not empty and holds no split written by voiceguide"):
        export.export_split(ten, foreign, "wav")
    assert (foreign / "cat.jpg").read_bytes() == b"meow"


@pytest.mark.slow
def test_without_an_atomic_exchange_a_split_is_swapped_in_by_two_renames(
    ten, tmp_path, monkeypatch
):
    target = tmp_path / "out"
    export.export_split(ten, target, "wav")
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    export.export_split(ten, target, "flac")
    assert sorted(p.suffix for p in target.iterdir() if p.suffix != ".m3u8") == [".flac"] * len(
        ten.plan.steps
    ) + [".json"]
    assert no_temp_files(tmp_path)


def test_track_names_are_safe_file_names():
    assert export.safe_name('a/b\\c: d?*"<>|e\x00') == "a b c d e"
    assert export.safe_name(" ... ") == "step"


# -- the routines that ship, at 10 and 45 minutes -----------------------------------------------


SHIPPED = [
    (name, minutes, fmt)
    for name in ("back-massage", "first-back-massage")
    for minutes in (10, 45)
    for fmt in FORMATS
]


@pytest.fixture(scope="module")
def shipped(shared, exported, tmp_path_factory):
    """Every shipped routine at 10 and 45 minutes in every format: a function of (name,
    minutes, format) giving (session, Exported, frames, largest sample). A routine's length
    is exported in every format at its first test, two at a time (the encoders run outside
    the GIL), then decoded in blocks: one test does not pay for all of them (all twenty in
    the first test took 577 s at a load of 10, against pytest-timeout's 600)."""
    directory = tmp_path_factory.mktemp("shipped")
    done: dict[tuple[str, int, str], tuple] = {}

    def run(job):
        name, minutes, fmt, prepared = job
        if (name, minutes) == ("back-massage", 10):
            result = exported(fmt)[0]  # already written for the tests above
        else:
            result = export.export(prepared, directory / f"{name}-{minutes}m.{fmt}")
        frames, loudest = 0, 0.0
        for block in sf.blocks(str(result.path), blocksize=RATE * 60, dtype="float32"):
            frames += len(block)
            loudest = max(loudest, float(np.abs(block).max()))
        return prepared, result, frames * RATE // export.FORMATS[fmt].rate, loudest

    def get(name: str, minutes: int, fmt: str) -> tuple:
        if (name, minutes, fmt) not in done:
            prepared = shared.prepare(name, minutes * 60.0)
            if (name, minutes) == ("back-massage", 10):
                for each in FORMATS:
                    exported(each)  # in this thread: the fixture's memo is not thread-safe
            jobs = [(name, minutes, each, prepared) for each in FORMATS]
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                for job, found in zip(jobs, pool.map(run, jobs), strict=True):
                    done[job[:3]] = found
        return done[name, minutes, fmt]

    return get


@pytest.mark.parametrize(("name", "minutes", "fmt"), SHIPPED)
@pytest.mark.slow
def test_shipped_routines_export_to_every_format(name, minutes, fmt, shipped):
    prepared, result, frames, loudest = shipped(name, minutes, fmt)
    assert frames == mix.total_frames(prepared.plan) == round(minutes * 60 * RATE)
    assert 0.1 < loudest < 1.0
    assert -16.3 <= result.level.lufs <= -15.7
    count = len(prepared.plan.steps)
    if fmt == "mp3":
        assert len(ID3(result.path).getall("CHAP")) == count
    elif fmt != "wav":
        assert f"CHAPTER{count:03d}NAME" in mutagen.File(result.path).tags


@pytest.mark.slow
def test_several_lengths_share_the_rendered_speech(renderer, tmp_path):
    targets = export.length_targets(tmp_path / "s.flac", [540, 600])
    seen = []
    results = export.export_many(
        prepare_at("back-massage", renderer),
        [540, 600],
        targets,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert [r.path.name for r in results] == ["s-9m.flac", "s-10m.flac"]
    assert [sf.info(str(r.path)).frames for r in results] == [540 * RATE, 600 * RATE]
    rendered = renderer.rendered
    assert rendered and len(rendered) == len(set(rendered))  # each text once, for both
    assert seen[-1] == pytest.approx((1140.0, 1140.0))  # fitted lengths: exact to float precision
    assert all(b[0] >= a[0] for a, b in zip(seen, seen[1:], strict=False))


def test_a_length_the_routine_cannot_fit_stops_before_any_file(renderer, tmp_path):
    targets = [tmp_path / "a.flac", tmp_path / "b.flac"]
    with pytest.raises(UsageError):
        export.export_many(prepare_at("back-massage", renderer), [600.0, 10.0], targets)
    assert list(tmp_path.iterdir()) == []


# -- checks before any work ---------------------------------------------------------------------


def test_an_unknown_format_is_a_usage_error_listing_the_formats(tmp_path):
    with pytest.raises(UsageError, match=r"unknown format 'aiff': use one of wav, flac, mp3, ogg"):
        export.check_target(tmp_path / "a.wav", "aiff")
    with pytest.raises(UsageError, match=r"cannot tell the format of .*a\.m4a.* \.wav, \.flac"):
        export.check_target(tmp_path / "a.m4a")
    assert export.check_target(tmp_path / "a.OPUS").name == "opus"
    assert export.check_target(tmp_path / "a.mp3", "flac").name == "flac"


def test_a_missing_directory_is_a_usage_error_saying_what_to_do(tmp_path, ten):
    with pytest.raises(UsageError, match=r"output directory .*nowhere does not exist: create it"):
        export.export(ten, tmp_path / "nowhere" / "a.mp3")
    with pytest.raises(UsageError, match="is a directory"):
        export.check_target(tmp_path)
    assert UsageError.exit_status == 2


def test_an_unwritable_directory_is_a_usage_error(tmp_path):
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o555)
    elif os.path.isdir("/sys"):
        locked = Path("/sys")  # even root cannot create files there
    else:
        pytest.skip("no directory that root cannot write to")
    with pytest.raises(UsageError, match=r"cannot write to .*: Permission denied; choose another"):
        export.check_target(locked / "a.mp3")


# -- nothing lost ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_failure_midway_leaves_the_previous_file_and_no_temporary_file(ten, tmp_path):
    target = tmp_path / "s.flac"
    target.write_bytes(b"previous")

    def fail(done, total):
        if done > total / 2:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        export.export(ten, target, progress=fail)
    assert target.read_bytes() == b"previous" and no_temp_files(tmp_path)

    def interrupt(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export.export(ten, tmp_path / "new.mp3", progress=interrupt)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.flac"]


@pytest.mark.slow
def test_a_full_disk_is_one_clear_line_and_nothing_is_written(ten, tmp_path, monkeypatch):
    target = tmp_path / "s.mp3"
    target.write_bytes(b"previous")
    calls = []
    real_write = sf.SoundFile.write

    def write(self, data):
        calls.append(len(data))
        if len(calls) > 20:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(sf.SoundFile, "write", write)
    with pytest.raises(ExportError) as caught:
        export.export(ten, target)
    assert str(caught.value) == f"disk full writing {target}: nothing was written"
    assert caught.value.exit_status == 1
    assert target.read_bytes() == b"previous" and no_temp_files(tmp_path)


@pytest.mark.slow
def test_a_split_that_fails_leaves_the_earlier_split(ten, tmp_path):
    target = tmp_path / "out"
    export.export_split(ten, target, "wav")
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def fail(done, total):
        if done > total / 2:
            raise OSError(errno.EIO, "Input/output error")

    with pytest.raises(ExportError, match=r"could not write .*out: Input/output error: nothing"):
        export.export_split(ten, target, "wav", progress=fail)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert no_temp_files(tmp_path)


def long_routine(directory: Path) -> Path:
    """A routine that stretches to hours: six steps of up to 3 h with a cue every 90 s."""
    steps = "".join(
        f"""
          - name: Part {n}
            say: Part {n}. Keep a slow and steady rhythm.
            duration: 10m
            min: 1m
            max: 3h
            cues:
              - every: 90s
                say: Keep going, slow and steady.
        """
        for n in range(1, 7)
    )
    path = directory / "long.yaml"
    path.write_text(textwrap.dedent("title: Long\nintro: Here we go.\nsteps:") + steps)
    return path


CHILD = """
import sys
from pathlib import Path
from voiceguide import interrupts, session, speech
from voiceguide import exporting as export
from voiceguide.errors import ExportError
from voiceguide.testing.fakes import tone_renderer

renderer = tone_renderer()
prepared = session.prepare(sys.argv[1], session.Options(float(sys.argv[2])), renderer)
if len(sys.argv) > 4:
    import resource
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[4]),) * 2)
said = []

def progress(done, total):
    if not said:
        print("writing", flush=True)
        said.append(done)

try:
    with interrupts.as_interrupts():
        export.export(prepared, Path(sys.argv[3]), progress=progress)
except ExportError as exc:
    print(exc, flush=True)
    sys.exit(exc.exit_status)
print("done", flush=True)
"""


def run_child(routine: Path, length: float, target: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(routine), str(length), str(target), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    "sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"]
)
@pytest.mark.slow
def test_a_killed_export_leaves_the_previous_file_or_the_complete_new_one(sig, tmp_path, cache_dir):
    routine = long_routine(tmp_path)
    length = 2 * 3600.0
    with tone_renderer() as renderer:
        session.prepare(str(routine), session.Options(length), renderer)  # warm the cache
    target = tmp_path / "out" / "long.wav"
    target.parent.mkdir()
    seed = random.randrange(1000)
    outcomes = []
    for attempt in range(2):
        target.write_bytes(b"previous")
        child = run_child(routine, length, target)
        assert child.stdout.readline() == "writing\n", child.stderr.read()
        time.sleep(random.Random(seed + attempt).uniform(0.0, 1.0))
        child.send_signal(sig)
        child.communicate(timeout=60)
        if target.read_bytes()[:8] == b"previous":
            assert target.read_bytes() == b"previous"
            outcomes.append("previous")
        else:
            assert sf.info(str(target)).frames == round(length * RATE)
            outcomes.append("complete")
        if sig != signal.SIGKILL:
            assert no_temp_files(target.parent), f"seed {seed}: {child.stderr}"
        atomic.cleanup_stale(target.parent)
        assert no_temp_files(target.parent)
    assert "previous" in outcomes, f"seed {seed}: the export always finished first"


@pytest.mark.slow
def test_a_real_encoder_error_cleans_up_and_says_the_file_size_limit_was_reached(
    tmp_path, cache_dir
):
    """The file-size limit (``ulimit -f``) makes libsndfile itself fail mid-write (EFBIG,
    which it reports only as "System error")."""
    target = tmp_path / "s.wav"
    target.write_bytes(b"previous")
    with tone_renderer() as renderer:
        session.prepare("back-massage", session.Options(600.0), renderer)
    child = run_child(Path("back-massage"), 600.0, target, str(10 * 2**20))
    out, err = child.communicate(timeout=60)
    assert child.returncode == 1, err
    assert out.splitlines()[-1] == (
        f"could not write {target}: the file-size limit was reached (ulimit -f: 10240 kB per "
        "file); raise it (ulimit -f unlimited) or write a shorter or smaller file: nothing "
        "was written"
    )
    assert target.read_bytes() == b"previous" and no_temp_files(tmp_path)


def test_cleanup_stale_removes_only_what_dead_exports_left(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = tmp_path / f".a.mp3.partial-{dead.stdout.strip()}-0a1b2c3d"
    live = tmp_path / f".b.mp3.partial-{os.getpid()}-0a1b2c3d"
    old_split = tmp_path / f".tracks.old-{dead.stdout.strip()}-0a1b2c3d"
    stale_split = tmp_path / f".more.partial-{dead.stdout.strip()}-0a1b2c3d"
    for path in (stale, live):
        path.write_bytes(b"x")
    for path in (old_split, stale_split):
        path.mkdir()
        (path / export.PLAYLIST).write_text("#EXTM3U\n")
    assert sorted(atomic.cleanup_stale(tmp_path)) == sorted([stale, stale_split])
    assert live.exists() and not stale.exists() and not stale_split.exists()
    assert (tmp_path / "tracks" / export.PLAYLIST).exists()  # put back: the swap was cut short


# -- the real engine ------------------------------------------------------------------------------


@pytest.mark.engine
@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_real_speech_exports_to_mp3_at_10_minutes(tmp_path):
    from voiceguide.cli import make_renderer

    with make_renderer() as renderer:
        prepared = session.prepare("back-massage", session.Options(600.0), renderer)
        result = export.export(prepared, tmp_path / "real.mp3")
    decoded = decode(result.path)
    assert len(decoded) == mix.total_frames(prepared.plan)
    assert pyloudnorm.Meter(RATE).integrated_loudness(decoded) == pytest.approx(-16.0, abs=1.0)
    spans = [  # never before the start: the opening chime is at 0:00
        decoded[max(0, mix.frames(e.at) - 480) : mix.frames(e.end) + 480]
        for e in prepared.plan.events
    ]
    assert max(reference_true_peak_db(span) for span in spans) <= -1.0
    alone = heard_alone(prepared.plan)
    errors = [onset_error(decoded, prepared.clip(e).samples, e.at) for e in alone]
    assert max(map(abs, errors)) <= 10e-3
    meter = pyloudnorm.Meter(RATE)
    levels = [
        meter.integrated_loudness(decoded[mix.frames(e.at) : mix.frames(e.end)])
        for e in prepared.plan.events
        if e.kind == "speech"
    ]
    assert max(levels) - min(levels) <= 1.0, levels
    starts = [c.start_time for c in ID3(result.path).getall("CHAP")]
    assert sorted(starts) == [round(s.start * 1000) for s in prepared.plan.steps]


def prepare_at(routine: str, renderer):
    """``export_many``'s ``prepare``: the routine fitted to a length."""
    return lambda length: session.prepare(routine, session.Options(length), renderer)
