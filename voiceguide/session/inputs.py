"""Which routine file a name means, and every file a session reads (known before any work):
what no command may write over."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from voiceguide import resources, routine, store
from voiceguide.atomic import shown
from voiceguide.errors import UsageError
from voiceguide.routine import Routine
from voiceguide.session.chimes import end_chime
from voiceguide.session.options import Options
from voiceguide.speech import lexicon as lexicons


@dataclass(frozen=True)
class Inputs:
    """The files a session reads, each with what it is to the session (``files``: ``(role,
    path)`` pairs, the role as a message says it: ``"the session's bed"``), and the speech
    cache's folder (``cache``), whose entries voiceguide manages: what no command may write
    over (``exporting.inputs.check_inputs`` compares files, not names)."""

    files: tuple[tuple[str, Path], ...] = ()
    cache: Path | None = None


def inputs(
    name_or_path: str | None,
    options: Options,
    cache_dir: Path | None = None,
    sounds: bool = True,
) -> Inputs:
    """What a session of the routine ``name_or_path`` with ``options`` reads, known before
    any work: the routine is loaded (a bad one is its ``RoutineError``), nothing rendered or
    opened. ``sounds=False``: the routine and the lexicons only (``say``). Without a routine,
    the user's lexicon and the cache (``say`` without ``--routine``)."""
    loaded = routine.load(find(name_or_path)) if name_or_path is not None else None
    return inputs_of(loaded, options, cache_dir, sounds)


def inputs_of(
    loaded: Routine | None,
    options: Options,
    cache_dir: Path | None = None,
    sounds: bool = True,
) -> Inputs:
    """``inputs`` of a routine already loaded: its file, the user's lexicon (the routine's
    own is in its file), and with ``sounds`` its bed's file, its chimes (the end chime
    too) and its pace sounds."""
    files = [] if loaded is None else [("the session's routine", loaded.path)]
    files.append(("the lexicon the session reads", lexicons.user_file()))
    if loaded is not None and sounds:
        spec, base = bed_spec(loaded, options)
        from voiceguide import bed as beds  # nothing heavy: the path as open_bed finds it

        # a --bed file as the user named it (from the working directory), for the message
        found = beds.bed_file(spec, base or Path()) if spec is not None else None
        files += [("the session's bed", found)] if found is not None else []
        files += [("one of the session's chimes", path) for path in _chime_files(loaded)]
        paces = {pace.sound.path for pace in loaded.paces()}
        files += [("one of the session's pace sounds", path) for path in sorted(paces)]
    return Inputs(tuple(files), cache_dir if cache_dir is not None else store.cache_dir())


def _chime_files(loaded: Routine) -> list[Path]:
    """Every chime file the routine can ring, the end chime's too, each once."""
    opening = [loaded.get_ready.chime] if loaded.get_ready is not None else []
    sounds = [end_chime(), loaded.chime, *opening] + [s.chime for s in loaded.parts()]
    sounds += [c.chime for s in loaded.parts() for c in s.cues]
    sounds += [s.side_chime for s in loaded.parts()]
    return list(dict.fromkeys(sound.path for sound in sounds if sound is not None))


def find(name_or_path: str) -> Path:
    """The routine file for a built-in name or a path (a built-in's name is the built-in,
    even with a file of that name in the working directory: ``./NAME`` is the file);
    ``UsageError`` if there is none, saying whether a file is missing and which built-in
    names come close."""
    path = resources.find_routine(name_or_path)
    if path is not None:
        return path
    given = Path(name_or_path)
    if given.is_dir():
        raise UsageError(f"{name_or_path!r} is a folder; give a routine's .yaml file")
    names = resources.routine_names()
    near = difflib.get_close_matches(given.stem.replace("_", "-").lower(), names, n=3)
    if "/" in name_or_path or given.suffix.lower() in (".yaml", ".yml"):
        if near:
            hint = f"; did you mean the built-in {' or '.join(near)}?"
        else:
            where = (Path.cwd() / given).parent
            hint = f" in {shown(where)}; check the path (built-in routines: voiceguide list)"
        raise UsageError(f"no file {name_or_path!r}: it does not exist{hint}")
    hint = f"did you mean {' or '.join(near)}? " if near else ""
    raise UsageError(
        f"no routine {name_or_path!r}: {hint}give a path to a .yaml file or a built-in name "
        f"({', '.join(names) or 'none'})"
    )


def bed_spec(loaded: Routine, options: Options) -> tuple[str | None, Path | None]:
    """The bed ``--bed`` or else the routine names, and the folder a file's path is relative
    to (``None``: the working directory, for ``--bed``); ``(None, None)`` for no bed."""
    written = loaded.bed
    spec: str | None
    if options.bed is not None:
        spec, base = options.bed, None
    else:
        spec, base = (written.sound if written else None), loaded.path.parent
    if spec is None or spec.strip().lower() in ("none", "off"):
        return None, None
    return spec, base
