"""Chapters and tags of exported files: one chapter per plan step, at the step's start.

MP3 gets ID3v2.3 tags with a ``CTOC`` table of contents and one ``CHAP`` frame per chapter
(each with a ``TIT2`` title), which podcast players and ffprobe read. FLAC, Ogg Vorbis and
Ogg Opus get Vorbis comments with the de-facto chapter keys ``CHAPTER001=HH:MM:SS.mmm`` and
``CHAPTER001NAME=...`` (the Matroska/Vorbis "simple chapter" convention). WAV has no chapters
(a ``cue``/``LIST adtl`` chunk would do it, but few players read one): only its title, artist
and album are written, by the encoder, as a ``LIST INFO`` chunk. Times here are seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import assert_never

from mutagen import id3
from mutagen.flac import FLAC
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from voiceguide.choices import ExportFormat
from voiceguide.plan import Plan


@dataclass(frozen=True)
class Chapter:
    """A titled stretch of the file, ``start`` to ``end`` seconds from the file's start."""

    start: float
    end: float
    title: str


@dataclass(frozen=True)
class Tags:
    """What a player shows. ``track`` is ``(number, count)`` for a split track."""

    title: str
    album: str
    artist: str = "voiceguide"
    comment: str | None = None
    track: tuple[int, int] | None = None


def from_plan(plan: Plan, start: float = 0.0) -> list[Chapter]:
    """One chapter per plan step, titled with its ``title`` (``"Name (side)"``), in a file
    that begins ``start`` seconds into the session (steps before it are left out)."""
    return [
        Chapter(step.start - start, step.end - start, step.title)
        for step in plan.steps
        if step.start >= start - 1e-9
    ]


def timestamp(seconds: float) -> str:
    """``3725.5`` -> ``"01:02:05.500"`` (the ``CHAPTERxxx`` and WebVTT time syntax)."""
    whole, ms = divmod(round(seconds * 1000), 1000)
    hours, rest = divmod(whole, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}.{ms:03d}"


def vorbis_comments(tags: Tags, chapters: Sequence[Chapter]) -> dict[str, list[str]]:
    """The Vorbis comments for ``tags`` and ``chapters`` (keys in upper case)."""
    comments = {"TITLE": [tags.title], "ALBUM": [tags.album], "ARTIST": [tags.artist]}
    if tags.comment:
        comments["DESCRIPTION"] = [tags.comment]
    if tags.track:
        comments["TRACKNUMBER"] = [str(tags.track[0])]
        comments["TRACKTOTAL"] = [str(tags.track[1])]
    for number, chapter in enumerate(chapters, start=1):
        comments[f"CHAPTER{number:03d}"] = [timestamp(chapter.start)]
        comments[f"CHAPTER{number:03d}NAME"] = [chapter.title]
    return comments


class _FramesInOrder(id3.ID3):
    """ID3 tags whose frames are written in the order they were added.

    mutagen sorts frames by size when saving, and ffmpeg (hence ffprobe, mpv...) lists CHAP
    frames in file order, so chapters would come out shuffled. This overrides mutagen's
    private ``_write``: mutagen is pinned in pyproject.toml to the versions the chapter-order
    test (tests/exporting/test_write.py) has passed with.
    """

    def _write(self, config: object) -> bytearray:
        from mutagen.id3._tags import save_frame

        frames = id3.ID3.values(self)
        return bytearray().join(save_frame(frame, config=config) for frame in frames)


def id3_tags(tags: Tags, chapters: Sequence[Chapter]) -> id3.ID3:
    """ID3 tags with the text frames, then a CTOC and one CHAP per chapter, in time order."""
    frames: id3.ID3 = _FramesInOrder()  # type: ignore[no-untyped-call]  # mutagen's ID3()
    frames.add(id3.TIT2(encoding=3, text=tags.title))
    frames.add(id3.TALB(encoding=3, text=tags.album))
    frames.add(id3.TPE1(encoding=3, text=tags.artist))
    if tags.comment:
        frames.add(id3.COMM(encoding=3, lang="eng", desc="", text=tags.comment))
    if tags.track:
        frames.add(id3.TRCK(encoding=3, text=f"{tags.track[0]}/{tags.track[1]}"))
    if not chapters:
        return frames
    ids = [f"chp{number:03d}" for number in range(len(chapters))]
    frames.add(
        id3.CTOC(
            element_id="toc",
            flags=id3.CTOCFlags.TOP_LEVEL | id3.CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[id3.TIT2(encoding=3, text=tags.title)],
        )
    )
    for element_id, chapter in zip(ids, chapters, strict=True):
        frames.add(
            id3.CHAP(
                element_id=element_id,
                start_time=round(chapter.start * 1000),
                end_time=round(chapter.end * 1000),
                sub_frames=[id3.TIT2(encoding=3, text=chapter.title)],
            )
        )
    return frames


def write(path: Path, container: ExportFormat, tags: Tags, chapters: Sequence[Chapter]) -> None:
    """Write ``tags`` and ``chapters`` into the encoded file at ``path``.

    ``container`` is MP3 (ID3 frames), FLAC, OGG (Vorbis) or OPUS (Vorbis comments); the file is
    edited in place (mutagen), its audio untouched. Raises ``mutagen.MutagenError`` (which
    wraps the ``OSError``) when the file cannot be rewritten.
    """
    kind: type[FLAC | OggVorbis | OggOpus]
    match container:
        case ExportFormat.MP3:
            id3_tags(tags, chapters).save(str(path), v2_version=3)
            return
        case ExportFormat.FLAC:
            kind = FLAC
        case ExportFormat.OGG:
            kind = OggVorbis
        case ExportFormat.OPUS:
            kind = OggOpus
        case ExportFormat.WAV:  # its tags are the LIST INFO chunk libsndfile writes
            raise ValueError("a WAV file takes no chapters")
        case _:
            assert_never(container)
    edited = kind(str(path))
    if edited.tags is None:
        edited.add_tags()  # type: ignore[no-untyped-call]  # mutagen: untyped, not excluded
    for key, values in vorbis_comments(tags, chapters).items():
        # mutagen declares FileType.tags as None: here they are the file's, added above
        edited.tags[key] = values  # type: ignore[index]
    edited.save()
