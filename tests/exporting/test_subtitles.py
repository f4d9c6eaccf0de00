"""WebVTT subtitles, read back by a strict parser of the format (the WebVTT spec's file and
cue text syntax, as much of it as a voiceguide file may use): what is said and the chimes,
escaped, never the pace guide's beats."""

from __future__ import annotations

import html
import re

import pytest

from voiceguide.exporting import subtitles

TIMING = re.compile(
    r"^(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3}) --> (\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})$"
)
REFERENCE = re.compile(r"&(amp|lt|gt|lrm|rlm|nbsp|#\d+|#x[0-9a-fA-F]+);")


def seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse(text: str) -> list[tuple[float, float, str]]:
    """The cues of a WebVTT file as ``(start, end, text)``; an ``AssertionError`` wherever
    the file breaks the format: a cue that a browser would end early (``-->`` in its text, a
    blank line), a tag where there should be text, a bare ``&``, times out of order."""
    assert text.startswith("WEBVTT") and text[6:7] in ("", "\n", " ", "\t")
    assert "\r" not in text and "\0" not in text
    blocks = [b for b in re.split(r"\n{2,}", text.split("\n", 1)[1].strip("\n")) if b]
    cues = []
    for block in blocks:
        lines = block.split("\n")
        if "-->" not in lines[0]:  # an identifier
            lines = lines[1:]
        timing = TIMING.match(lines[0])
        assert timing, f"not a cue timing line: {lines[0]!r}"
        start, end = seconds(*timing.groups()[:4]), seconds(*timing.groups()[4:])
        payload = lines[1:]
        assert payload, f"a cue without text at {lines[0]}"
        for line in payload:
            assert "-->" not in line, f"'-->' ends the cue here: {line!r}"
            assert "<" not in line, f"a tag in {line!r}"  # voiceguide writes none
            assert "&" not in REFERENCE.sub("", line), f"a bare '&' in {line!r}"
        assert start < end, lines[0]
        assert not cues or start >= cues[-1][0], "cues out of order"
        cues.append((start, end, html.unescape("\n".join(payload))))
    return cues


def test_the_strict_parser_refuses_what_a_browser_would_misread():
    for broken in [
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA --> B\n",
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nbread & butter\n",
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<b>loud</b>\n",
        "WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nbackwards\n",
    ]:
        with pytest.raises(AssertionError):
            parse(broken)
    assert parse("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500\nA &amp; B &lt;3\n") == [
        (1.0, 2.5, "A & B <3")
    ]


@pytest.fixture
def awkward(write_routine, prepare):
    """A routine whose texts hold what WebVTT gives a meaning to, with a pace guide."""
    path = write_routine(
        """
        title: Markup
        pace: 12
        intro: "Salt & pepper, <b>bold</b> --> arrows."
        steps:
          - name: One
            say: |
              First line, a > b,
              and a second line.
            duration: 40s
          - name: Two
            say: "Tom & Jerry &amp; friends"
            duration: 40s
        """
    )
    return prepare(path)


def test_cue_text_is_escaped_and_reads_back_as_written(awkward, tmp_path):
    subtitles.write_vtt(awkward.plan, tmp_path / "s.vtt")
    cues = parse((tmp_path / "s.vtt").read_text(encoding="utf-8"))
    said = [text for _, _, text in cues if not text.startswith("[")]
    assert said == [
        "Salt & pepper, <b>bold</b> --> arrows.",
        "First line, a > b, and a second line.",  # one line: players wrap it themselves
        "Tom & Jerry &amp; friends",
    ]


def test_subtitles_carry_speech_and_chimes_and_not_the_beats(awkward, tmp_path):
    plan = awkward.plan
    assert any(e.kind == "pulse" for e in plan.events)
    subtitles.write_vtt(plan, tmp_path / "s.vtt")
    cues = parse((tmp_path / "s.vtt").read_text(encoding="utf-8"))
    heard = [e for e in plan.events if e.kind in ("speech", "chime")]
    assert [(round(start, 3), text) for start, _, text in cues] == [
        (round(e.at, 3), e.text if e.kind == "speech" else f"[{e.sound.name} chime]") for e in heard
    ]
    assert not any("pulse" in text for _, _, text in cues)


def test_a_45_minute_session_has_no_beat_among_its_cues(prepare, tmp_path):
    """The issue's case: 403 of 466 cues were ``[pulse chime]``."""
    plan = prepare("back-massage", 45 * 60.0).plan
    subtitles.write_vtt(plan, tmp_path / "s.vtt")
    cues = parse((tmp_path / "s.vtt").read_text(encoding="utf-8"))
    beats = sum(e.kind == "pulse" for e in plan.events)
    assert beats > 300
    assert len(cues) == sum(e.kind in ("speech", "chime") for e in plan.events)
    assert not any(text == "[pulse chime]" for _, _, text in cues)


def test_a_split_tracks_subtitles_are_cut_at_its_ends_and_timed_from_its_start(awkward, tmp_path):
    step = awkward.plan.steps[1]
    subtitles.write_vtt(awkward.plan, tmp_path / "t.vtt", (step.start, step.end))
    cues = parse((tmp_path / "t.vtt").read_text(encoding="utf-8"))
    assert cues and all(0 <= start < end <= step.end - step.start + 1e-3 for start, end, _ in cues)
    assert "First line, a > b, and a second line." in [text for _, _, text in cues]
