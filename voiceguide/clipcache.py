"""The on-disk clip cache: where it lives, how an entry is verified, written and read.

Entries are mono float32 WAVs at ``audio.RATE``, named by their callers from a readable slug
and a hash of everything that changes the audio, so a changed input simply misses. Writes are
atomic (a temporary file beside the entry, then ``os.replace``), so concurrent workers and
interrupted runs never leave a half-written entry under a real name.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

import numpy as np
import platformdirs
import soundfile as sf

from voiceguide import audio
from voiceguide.audio import clips
from voiceguide.errors import SpeechError

FORMAT_VERSION = 6  # bump when the processing of a clip changes (6: limiter rounds fixed)


def cache_dir() -> Path:
    """``$VOICEGUIDE_CACHE_DIR`` or the user's cache directory."""
    env = os.environ.get("VOICEGUIDE_CACHE_DIR")
    return Path(env) if env else Path(platformdirs.user_cache_dir("voiceguide")) / "clips"


def entry_name(slug_text: str, *inputs: str) -> str:
    """``slug-hash.wav``: a readable slug of ``slug_text`` and a hash of ``inputs``."""
    parts = [*inputs, f"v{FORMAT_VERSION}", str(audio.RATE)]
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
    slug = re.sub(r"[^a-z0-9]+", "-", slug_text.lower()).strip("-")[:40] or "clip"
    return f"{slug}-{digest}.wav"


def verified_frames(path: Path) -> int | None:
    """Frames in a cache entry, or ``None`` when it is missing, truncated or corrupt.

    Checks the RIFF structure against the file size (a truncated write fails this) before
    asking libsndfile, which would otherwise read a truncated file without complaint.
    """
    try:
        with open(path, "rb") as handle:
            header = handle.read(12)
            size = os.fstat(handle.fileno()).st_size
    except OSError:
        return None
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        return None
    if int.from_bytes(header[4:8], "little") + 8 != size:
        return None
    try:
        info = sf.info(str(path))
    except (RuntimeError, sf.LibsndfileError):
        return None
    if info.samplerate != audio.RATE or info.channels != 1 or info.frames <= 0:
        return None
    return info.frames


def write(samples: np.ndarray, target: Path) -> None:
    """Store ``samples`` at ``target`` atomically. A full disk or an unwritable cache is a
    ``SpeechError`` saying what to do; nothing half-written stays behind."""
    staged = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, staged = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".wav")
        os.close(handle)
        sf.write(staged, samples, audio.RATE, subtype="FLOAT", format="WAV")
        os.replace(staged, target)
    except (OSError, sf.LibsndfileError) as exc:
        reason = getattr(exc, "strerror", None) or "the disk may be full"
        raise SpeechError(
            f"cannot store speech in the cache {target.parent} ({reason}); free "
            "some space or point VOICEGUIDE_CACHE_DIR elsewhere"
        ) from exc
    finally:
        if staged is not None:
            Path(staged).unlink(missing_ok=True)


def disk_full(directory: Path, margin: int = 1 << 20) -> bool:
    """Less than ``margin`` bytes free, or a file-size limit reached (libsndfile reports
    both only as "System error.")."""
    import resource
    import shutil

    try:
        if shutil.disk_usage(directory).free < margin:
            return True
    except OSError:
        return False
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    return soft != resource.RLIM_INFINITY


def read(path: Path) -> np.ndarray | None:
    """The samples of a verified entry, or ``None`` (and the entry removed) if it is bad."""
    if verified_frames(path) is None:
        path.unlink(missing_ok=True)
        return None
    try:
        samples, _ = sf.read(str(path), dtype="float32")
    except (RuntimeError, sf.LibsndfileError):
        samples = None
    if samples is None or not np.all(np.isfinite(samples)):
        path.unlink(missing_ok=True)
        return None
    return samples


def chime(path: Path, directory: Path | None = None) -> audio.Clip:
    """The prepared clip of the chime file ``path``, cached by the file's content."""
    content = hashlib.sha256(path.read_bytes()).hexdigest()
    entry = (directory or cache_dir()) / entry_name(f"chime-{path.stem}", "chime", content)
    samples = read(entry)
    if samples is None:
        samples = clips.chime_clip(path).samples
        write(samples, entry)
    return audio.Clip(samples)


def load_json(name: str, directory: Path | None = None) -> object | None:
    """A small JSON value stored in the cache (``None`` if absent or unreadable)."""
    try:
        return json.loads(((directory or cache_dir()) / name).read_text())
    except (OSError, ValueError):
        return None


def store_json(name: str, value: object, directory: Path | None = None) -> None:
    target = (directory or cache_dir()) / name
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f".tmp-{os.getpid()}-{name}")
    staged.write_text(json.dumps(value))
    os.replace(staged, target)
