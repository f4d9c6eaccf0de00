"""A user's sound file, opened safely and decoded a window at a time, to mono.

Only a regular file is opened: a folder, a device, a socket or a FIFO is refused from its
``stat`` before any ``open`` (opening a FIFO for reading blocks until a writer comes), and
the file is opened non-blocking and checked again with ``fstat`` (it could have been swapped
in between). libsndfile reads it through the descriptor.

Windows read in order are decoded on, without seeking. A seek (``SoundFile.seek``) lands on
the right frame in every format, but libsndfile's MP3 decoder then gets the first thousands
of samples wrong at low bit rates, so a seek starts ``SEEK_PREROLL`` frames early; with it, a
window is the same samples however it is reached (tests/bed/test_decode.py checks WAV, FLAC,
Ogg Vorbis and Opus, and MP3 at 32 and 128 kbit/s). Channels are averaged to mono a piece
of ``PIECE_SAMPLES`` samples at a time, so memory holds a piece of the file's channels,
never the file, whatever its rate and channels.

What a header may claim is bounded before anything is allocated for it: a rate within
``RATES``, at most ``MAX_CHANNELS`` channels (a WAV claiming 400 MHz made 9 GB of windows).

A damaged file is refused, never played in part: an error of the decoder (an MP3 or FLAC
that lost its sync in the middle) is a ``BedError`` saying where, found when the file is
opened (its end is decoded then, and the span calibrated), or else when a read reaches it.
So is an MP3 whose decoding ends silently with much of the file unread (libmpg123 takes a
stray frame of another format for the stream's end): found when the file is opened.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import numpy as np
import soundfile as sf
from soundfile import _ffi, _snd  # the bare read: see ``Decoder._read``

from voiceguide.atomic import shown
from voiceguide.errors import BedError

FORMATS = "WAV, FLAC, Ogg, MP3"
PIECE = 1 << 15  # frames of mono output made at a time by a caller streaming a window
PIECE_SAMPLES = 1 << 16  # samples (all channels) decoded at a time: 32k stereo frames
RATES = (1_000, 10_000_000)  # Hz: phone speech to measurement recordings; beyond, no sound
MAX_CHANNELS = 256  # the largest multichannel recordings (ambisonics, MADI) have fewer
UNREAD = 1 << 16  # bytes of an MP3 its decoder may leave unread at its end (and 10 %)
TAGS = (b"TAG", b"APETAGEX", b"LYRICSBEGIN", b"ID3")  # what may follow an MP3's last frame
PROBE = 10.0  # seconds read at the end to find a file's true length
SEEK_PREROLL = 1 << 16  # frames decoded before a seek's target (see ``Decoder._seek``)


class DecodeError(Exception):
    """The decoder failed ``frames`` frames into a read (``message``: libsndfile's words)."""

    def __init__(self, frames: int, message: str):
        super().__init__(message)
        self.frames = frames


def refuse(path: Path, what: str) -> BedError:
    """The one-line error for the bed file ``path``: ``what`` it does wrong ("is a folder,
    not a sound file")."""
    return BedError(f"bed file {shown(path)} {what}")


def _kind(mode: int) -> str | None:
    """What a file that is not a regular file is, for a message (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a sound file"
    if stat.S_ISFIFO(mode):
        return "is a FIFO (a named pipe), not a sound file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a sound file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a sound file"
    return "is not a regular file"


def open_sound(path: Path) -> tuple[sf.SoundFile, int, os.stat_result]:
    """``path`` opened for decoding, its descriptor (the caller closes it after the sound:
    libsndfile is told not to, so that a failed open never closes it twice) and its status
    (``fstat`` of what was opened); a ``BedError`` saying why when it cannot be."""
    try:
        kind = _kind(os.stat(path).st_mode)
    except FileNotFoundError as exc:
        raise refuse(path, "does not exist") from exc
    except OSError as exc:
        raise refuse(path, f"cannot be read ({exc.strerror})") from exc
    if kind is not None:
        raise refuse(path, kind)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise refuse(path, f"cannot be read ({exc.strerror})") from exc
    info = os.fstat(fd)
    kind = _kind(info.st_mode)
    if kind is not None:
        os.close(fd)
        raise refuse(path, kind)
    os.set_blocking(fd, True)
    try:
        return sf.SoundFile(fd, closefd=False), fd, info
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        os.close(fd)
        reason = getattr(exc, "error_string", "") or str(exc)
        reason = reason.strip().rstrip(".").lower()
        raise refuse(
            path, f"is not a sound file voiceguide can read ({FORMATS}): {reason}"
        ) from exc


class Decoder:
    """The sound file at ``path`` as mono float32 at its own rate, read by window.

    ``frames`` is the true length: libsndfile's count is an estimate for an MP3 without a
    Xing/LAME header (measured: 4,185 frames too many on a 40 s file), so the end is found by
    decoding the last ``PROBE`` seconds. ``rate`` is the file's rate (frames per second).

    A window that continues the last one (overlapping it by at most ``keep(frames)``) is
    decoded on from where the decoder is; any other is a seek.
    """

    def __init__(self, path: Path):
        self.path = path
        self._sound, self._fd, self.info = open_sound(path)  # _fd: -1 once closed
        self.rate: int = self._sound.samplerate
        self.channels: int = self._sound.channels
        try:
            _check_header(path, self.rate, self.channels)
        except BaseException:
            self.close()
            raise
        self._piece = np.empty((max(1, PIECE_SAMPLES // self.channels), self.channels), np.float32)
        # the channels' mean as a product: numpy's mean along a row of 2 was a third of
        # the decoding time of an MP3
        self._downmix = np.full(self.channels, 1 / self.channels, np.float32)
        self._keep = 0
        self._tail = np.zeros(0, np.float32)  # the last frames decoded, up to ``_next``
        self._next: int | None = None  # the frame the decoder gives next; None: unknown
        try:
            if not self._sound.seekable():
                raise refuse(path, "cannot be read by position (it is not seekable)")
            self.frames: int = self._true_length()
        except BaseException:
            self.close()
            raise

    def keep(self, frames: int) -> None:
        """Keep the last ``frames`` decoded: how far a window may overlap the one before and
        still be decoded on."""
        self._keep = frames

    def window(self, start: int, stop: int) -> np.ndarray:
        """Frames ``start`` .. ``stop`` of the mono signal (float32, a new array); frames
        outside the file (before 0, past the end) are silence. ``BedError`` on samples that
        are not finite or a file that cannot be decoded any more."""
        out = np.zeros(stop - start, np.float32)
        lo, hi = max(start, 0), min(stop, self.frames)
        if lo >= hi:
            return out
        try:
            self._decode(lo, hi, out[lo - start : hi - start])
        except DecodeError as exc:
            self._next = None
            raise self._damaged(exc.frames, str(exc)) from exc
        except (sf.LibsndfileError, RuntimeError) as exc:
            self._next = None
            raise refuse(self.path, f"could not be decoded ({_said(exc)})") from exc
        if not np.isfinite(out).all():
            where = lo + int(np.argmin(np.isfinite(out[lo - start :])))
            raise refuse(
                self.path,
                f"holds samples that are not numbers (NaN or infinite) at "
                f"{where / self.rate:.2f} s; it is damaged: export it again",
            )
        return out

    def _decode(self, lo: int, hi: int, out: np.ndarray) -> None:
        """Frames ``lo`` .. ``hi`` of the file (inside it) into ``out``."""
        kept = len(self._tail)
        if self._next is not None and self._next - kept <= lo <= self._next:
            done = min(self._next, hi) - lo
            out[:done] = self._tail[kept - (self._next - lo) :][:done]
        else:
            self._seek(lo)
            done = 0
        if lo + done < hi:
            self._next = None
            try:
                got = self._read(out[done:])
            except DecodeError as exc:
                raise DecodeError(lo + done + exc.frames, str(exc)) from exc
            self._next = lo + done + got
            if got < hi - lo - done:
                self._next = None  # shorter than measured (it changed): silence after
        if self._keep:
            self._tail = out[max(0, len(out) - self._keep) :].copy()
            if self._next is not None and self._next != hi:
                self._tail = np.zeros(0, np.float32)

    def _seek(self, frame: int) -> None:
        """Put the decoder at ``frame``, decoding ``SEEK_PREROLL`` frames before it: after a
        seek, libsndfile's MP3 decoder lands on the right frame but gets the samples wrong
        (or silent) while the bit reservoir of the frames before is missing - measured: up to
        ~8,000 frames at 32 kbit/s, ~24,000 at 8 kbit/s (MPEG-2, 22.05 kHz)."""
        start = max(0, frame - SEEK_PREROLL)
        self._next = None
        self._sound.seek(start)
        scratch = np.empty(frame - start, np.float32)
        try:
            got = self._read(scratch)
        except DecodeError as exc:
            raise DecodeError(start + exc.frames, str(exc)) from exc
        if got < len(scratch):
            raise RuntimeError(f"the file ends before frame {frame}")
        self._next = frame

    def _read(self, out: np.ndarray) -> int:
        """Decode on into ``out`` (mono), a piece at a time; returns the frames decoded
        (fewer at the end of the file).

        Through libsndfile's ``sf_readf_float`` itself: ``SoundFile.read`` seeks to where it
        is after every read, and each such seek loses an MP3's bit reservoir - at 32 kbit/s
        the frames after every read came out wrong or silent (tests/bed/test_decode.py).
        A ``DecodeError`` (frames counted from the start of ``out``) when the decoder fails."""
        at = 0
        handle = self._sound._file  # private: see the docstring
        while at < len(out):
            want = min(len(self._piece), len(out) - at)
            got: int = _snd.sf_readf_float(handle, _ffi.from_buffer(self._piece), want)
            if _snd.sf_error(handle):
                message = _ffi.string(_snd.sf_strerror(handle)).decode(errors="replace")
                raise DecodeError(at, message)
            if got <= 0:
                break
            np.matmul(self._piece[:got], self._downmix, out=out[at : at + got])
            at += got
        return at

    def close(self) -> None:
        if self._fd >= 0:
            self._sound.close()
            os.close(self._fd)
            self._fd = -1

    def _true_length(self) -> int:
        """Frames the file decodes to: decoded from ``PROBE`` s before the claimed end (and
        further back while nothing comes out there). A ``BedError`` when the decoder fails
        there, or when an MP3's decoding ends with much of the file unread (``_check_end``)."""
        claimed: int = self._sound.frames
        back = round(PROBE * self.rate)
        while True:
            start = max(0, claimed - back)
            try:
                count = self._count_from(start)
            except DecodeError as exc:
                raise self._damaged(exc.frames, str(exc)) from exc
            if count or start == 0:
                self._check_end(start + count)
                return start + count
            back *= 4

    def _count_from(self, start: int) -> int:
        """Frames decoded from ``start`` to the end (0 when ``start`` is past the end)."""
        try:
            self._sound.seek(start)
        except (sf.LibsndfileError, RuntimeError):
            return 0
        scratch = np.empty(PIECE, np.float32)
        count = 0
        try:
            while got := self._read(scratch):
                count += got
        except DecodeError as exc:
            raise DecodeError(start + count + exc.frames, str(exc)) from exc
        return count

    def _check_end(self, frames: int) -> None:
        """Refuse an MP3 whose decoder stopped at ``frames`` with more than ``UNREAD`` bytes
        (and a tenth) of the file after it that are no tag: libmpg123 ends a stream at a
        frame of another format (damage), and the sound after it would never be heard."""
        if self._sound.format != "MP3":
            return  # WAV chunks after the data, Ogg pages: their decoders read what they need
        size = self.info.st_size
        unread = size - os.lseek(self._fd, 0, os.SEEK_CUR)
        if unread <= max(UNREAD, size // 10) or os.pread(self._fd, 16, size - unread).startswith(
            TAGS
        ):
            return
        raise self._damaged(
            frames, f"its decoding stops there with {100 * unread // size} % of the file unread"
        )

    def _damaged(self, frame: int, why: str) -> BedError:
        return refuse(
            self.path,
            f"is damaged at {frame / self.rate:.2f} s ({_said(why)}): repair it (export it "
            "again) or choose another file",
        )


def _check_header(path: Path, rate: int, channels: int) -> None:
    """Refuse a rate or a channel count no sound file has (before anything is made for it)."""
    low, high = RATES
    if not low <= rate <= high:
        raise refuse(
            path,
            f"has a sample rate of {rate:,} Hz; a bed file's rate must be {low:,} to "
            f"{high:,} Hz (its header may be damaged)",
        )
    if not 1 <= channels <= MAX_CHANNELS:
        raise refuse(
            path,
            f"has {channels} channels; a bed file may have 1 to {MAX_CHANNELS} "
            "(its header may be damaged)",
        )


def _said(what: object) -> str:
    """libsndfile's words for a message: "Unspecified internal error." -> "unspecified
    internal error", "Error : flac decoder lost sync." -> "flac decoder lost sync"."""
    text = getattr(what, "error_string", "") or str(what)
    text = re.sub(r"^error\s*:\s*", "", text.strip(), flags=re.IGNORECASE).rstrip(".")
    return text[:1].lower() + text[1:]
