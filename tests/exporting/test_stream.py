"""Exporting to standard output (``-o -``): WAV streamed as it is mixed, never seeking; other
formats through a temporary file, chapters included; a reader that stops early gives one line.
"""

from __future__ import annotations

import io
import os
import pty
import signal
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import mutagen
import numpy as np
import pytest
import soundfile as sf
from mutagen.id3 import ID3

from voiceguide import exporting as export
from voiceguide.errors import ExportError, UsageError
from voiceguide.exporting import chapters, stream
from voiceguide.testing import launch

ROOT = Path(__file__).resolve().parents[2]


class Pipe(io.RawIOBase):
    """A write-only stream that cannot seek or tell, as a pipe: records each write."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.writes.append(bytes(data))
        return len(data)

    def seek(self, *args):
        raise io.UnsupportedOperation("a pipe cannot seek")

    def tell(self):
        raise io.UnsupportedOperation("a pipe cannot tell")

    @property
    def data(self) -> bytes:
        return b"".join(self.writes)


@pytest.fixture
def own_temp_dir(tmp_path, monkeypatch) -> Path:
    """The system temporary directory, made empty and private to the test."""
    directory = tmp_path / "system-tmp"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


@pytest.mark.slow
def test_a_wav_streams_as_it_is_mixed_with_exact_sizes_and_the_files_samples(neck, tmp_path):
    pipe = Pipe()
    said = []
    result = export.export_stream(
        neck, pipe, "wav", progress=lambda done, total: said.append(len(pipe.writes))
    )
    data = pipe.data
    frames = 120 * 48000
    assert (result.path, result.format, result.seconds) == (export.STDOUT, "wav", 120.0)
    riff, size, wave = struct.unpack("<4sI4s", data[:12])
    assert (riff, wave, size) == (b"RIFF", b"WAVE", len(data) - 8)
    at = data.index(b"data")
    assert struct.unpack("<I", data[at + 4 : at + 8])[0] == frames * 2 == len(data) - at - 8
    assert said[0] >= 2 and said == sorted(said) and said[-1] > said[0]  # written as mixed
    streamed, rate = sf.read(io.BytesIO(data), dtype="int16")
    written, _ = sf.read(str(export.export(neck, tmp_path / "s.wav").path), dtype="int16")
    assert rate == 48000 and np.array_equal(streamed, written)
    with sf.SoundFile(io.BytesIO(data)) as f:
        assert (f.title, f.album, f.artist) == (
            "Neck and shoulder stretch (2m)",
            "Neck and shoulder stretch",
            "voiceguide",
        )


@pytest.mark.parametrize("fmt", ["flac", "mp3"])
@pytest.mark.slow
def test_other_formats_go_through_a_temporary_file_with_their_chapters(
    fmt, neck, tmp_path, own_temp_dir
):
    pipe = Pipe()
    result = export.export_stream(neck, pipe, fmt)
    copy = tmp_path / f"copy.{fmt}"
    copy.write_bytes(pipe.data)
    rate = export.FORMATS[fmt].rate
    assert sf.info(str(copy)).frames == 120 * rate and result.seconds == pytest.approx(120.0)
    steps = neck.plan.steps
    if fmt == "mp3":
        titles = [c.sub_frames["TIT2"].text[0] for c in ID3(copy).getall("CHAP")]
    else:
        tags = mutagen.File(copy).tags
        titles = [tags[f"CHAPTER{n:03d}NAME"][0] for n in range(1, len(steps) + 1)]
        assert tags["CHAPTER002"] == [chapters.timestamp(steps[1].start)]
    assert titles == [s.title for s in steps]
    assert os.listdir(own_temp_dir) == []


@pytest.mark.slow
def test_the_temporary_file_is_removed_when_the_export_fails(neck, own_temp_dir):
    def fail(done, total):
        if done > total / 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export.export_stream(neck, Pipe(), "ogg", progress=fail)
    assert os.listdir(own_temp_dir) == []


def test_standard_output_takes_one_length_and_no_split_of_names(tmp_path):
    with pytest.raises(UsageError, match=r"standard output \('-'\) takes one length"):
        export.length_targets(export.STDOUT, [120.0, 180.0])
    assert export.length_targets(export.STDOUT, [120.0]) == [export.STDOUT]
    assert export.length_targets(Path("-"), [120.0]) == [Path("-")]  # a file named "-"
    assert export.check_target(export.STDOUT).name == "wav"
    assert export.check_target(export.STDOUT, "opus").name == "opus"


# -- the command line, with a real pipe ------------------------------------------------------------


def run_export(*args: str, tmp: Path, **kwargs) -> subprocess.Popen:
    env = {"TMPDIR": str(tmp), "VOICEGUIDE_CACHE_DIR": str(tmp.parent / "cache")}
    options = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **kwargs}
    return launch.start(
        *("export", "neck-stretch", "-l", "2m", *args),
        env=env,
        cwd=ROOT,
        **options,
    )


@pytest.mark.parametrize("fmt", ["wav", "flac"])
@pytest.mark.slow
def test_a_reader_that_stops_early_gives_one_line_and_no_traceback(fmt, tmp_path):
    """As ``voiceguide export ... -o - | head -c 100``."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    child = run_export("-o", "-", "--format", fmt, tmp=tmp)
    head = child.stdout.read(100)
    child.stdout.close()  # the reader goes away
    err = child.stderr.read().decode()
    assert child.wait(timeout=120) == 1
    assert head[:4] == (b"RIFF" if fmt == "wav" else b"fLaC")
    assert err == (
        "standard output was closed by its reader before the end: the export stopped there, "
        "incomplete\n"
    )
    assert os.listdir(tmp) == []


@pytest.mark.slow
def test_standard_output_is_a_whole_wav_by_default_and_the_summary_goes_to_stderr(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    out, err = run_export("-o", "-", tmp=tmp).communicate(timeout=120)
    samples, rate = sf.read(io.BytesIO(out), dtype="float32")
    assert (len(samples), rate) == (120 * 48000, 48000)
    assert err.decode().startswith("wrote standard output (2:00.000, wav, -16.")
    assert ", speech at -16.0 LUFS, true peak " in err.decode()
    assert err.decode().count("\n") == 1


@pytest.mark.slow
def test_a_file_named_dash_is_still_a_file_with_a_directory_in_front(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    child = run_export("-o", f"{tmp_path}/-", "--format", "flac", "-q", tmp=tmp)
    out, err = child.communicate(timeout=120)
    assert (child.returncode, out, err) == (0, b"", b"")
    assert sf.info(str(tmp_path / "-")).frames == 120 * 48000


def test_a_failure_to_write_standard_output_is_an_export_error(neck):
    class Full(Pipe):
        def write(self, data):
            raise OSError(28, "No space left on device")

    with pytest.raises(ExportError) as caught:
        export.export_stream(neck, Full(), "wav")
    assert str(caught.value) == (
        "could not write to standard output: No space left on device: it is incomplete"
    )


@pytest.mark.slow
def test_standard_output_on_a_terminal_is_refused_before_any_work(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    leader, terminal = pty.openpty()
    try:
        child = launch.run(
            *("export", "neck-stretch", "-o", "-"),
            env={"VOICEGUIDE_CACHE_DIR": str(tmp)},
            stdout=terminal,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            text=False,
        )
    finally:
        os.close(terminal)
        os.close(leader)
    assert (child.returncode, child.stderr.decode()) == (
        2,
        "standard output is a terminal, which plays no audio: pipe it to a player "
        "(... - | mpv -) or give a file name\n",
    )
    assert os.listdir(tmp) == []  # no speech was rendered


# -- standard output closed, non-blocking, or interrupted ------------------------------------------


def closing_stdout() -> None:
    os.close(1)  # in the child, before it starts: as `voiceguide ... >&-`


def test_closed_standard_output_is_refused_before_any_work(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    child = run_export("-o", "-", tmp=tmp, stdout=None, preexec_fn=closing_stdout)
    _, err = child.communicate(timeout=120)
    assert (child.returncode, err.decode()) == (
        2,
        "standard output is closed, so the audio has nowhere to go: pipe it to a player "
        "(... -o - | mpv -) or give a file name\n",
    )
    assert not (tmp.parent / "cache").exists()  # no speech was rendered


def test_an_export_to_a_file_with_standard_output_closed_ends_cleanly(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    child = run_export(
        "-o", str(tmp_path / "s.wav"), tmp=tmp, stdout=None, preexec_fn=closing_stdout
    )
    _, err = child.communicate(timeout=120)
    assert (child.returncode, err) == (0, b"")  # the summary had nowhere to go
    assert sf.info(str(tmp_path / "s.wav")).frames == 120 * 48000


@pytest.mark.slow
def test_a_non_blocking_pipe_whose_reader_pauses_gets_the_whole_session(tmp_path):
    """Event loops (Node.js) hand a child pipes with O_NONBLOCK set: a full pipe made the
    write fail ("write could not complete without blocking") after 64 kB."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    reader, writer = os.pipe()
    os.set_blocking(writer, False)
    child = run_export("-o", "-", tmp=tmp, stdout=writer)
    os.close(writer)
    received = [os.read(reader, 100)]
    time.sleep(2.0)  # the pipe fills while the reader is away
    while chunk := os.read(reader, 1 << 16):
        received.append(chunk)
    os.close(reader)
    err = child.stderr.read().decode()
    assert child.wait(timeout=120) == 0, err
    samples, rate = sf.read(io.BytesIO(b"".join(received)), dtype="float32")
    assert (len(samples), rate) == (120 * 48000, 48000)
    assert np.abs(samples).max() > 0.1  # the session, not silence


def test_a_descriptor_waits_for_a_full_non_blocking_pipe_and_writes_everything():
    reader, writer = os.pipe()
    os.set_blocking(writer, False)
    data = os.urandom(1 << 20)  # sixteen times what the pipe holds
    got = []

    def read_later():
        time.sleep(0.5)
        while chunk := os.read(reader, 1 << 16):
            got.append(chunk)

    thread = threading.Thread(target=read_later, daemon=True)
    thread.start()
    try:
        with stream.Descriptor(os.dup(writer)) as out:  # closes its duplicate
            assert out.write(data) == len(data)
    finally:
        os.close(writer)  # then the reader sees the end, whatever happened
    thread.join(timeout=60)
    os.close(reader)
    assert b"".join(got) == data


def test_an_interrupt_while_streaming_says_the_stream_was_cut(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    child = run_export("-o", "-", tmp=tmp)
    head = child.stdout.read(1000)  # it is writing: the pipe fills and it waits
    time.sleep(0.5)
    child.send_signal(signal.SIGTERM)
    child.stdout.read()
    err = child.stderr.read().decode()
    assert child.wait(timeout=120) == 128 + signal.SIGTERM
    assert head[:4] == b"RIFF"
    assert err == "interrupted: the audio stream on standard output was cut short\n"
    assert os.listdir(tmp) == []
