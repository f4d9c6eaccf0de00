"""session.prepare: what check, plan, export and play share. A routine it accepts can be
played and exported; one it refuses fails with the file and the line to change."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from voiceguide import plan, resources, session
from voiceguide.errors import RoutineError, UsageError
from voiceguide.testing.fakes import SECONDS_PER_CHAR

RATE = 48_000


def tone(seconds: float, level: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (level * np.sin(2 * np.pi * 440 * t)).astype(np.float32)


def chimed(write_routine, tmp_path, samples: np.ndarray, subtype: str = "FLOAT"):
    """A routine whose one step rings ``gong.wav`` (``samples``), named on line 5."""
    sf.write(tmp_path / "gong.wav", samples, RATE, subtype=subtype)
    return write_routine("""
        title: T
        steps:
          - name: Rub
            chime: gong.wav
            duration: 1m
        """)


def refusal(prepare, path) -> RoutineError:
    with pytest.raises(RoutineError) as caught:
        prepare(path)
    assert "\n" not in str(caught.value)
    return caught.value


# -- chimes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["nan", "inf"])
def test_a_chime_with_samples_that_are_not_numbers_is_refused_at_its_line(
    write_routine, tmp_path, prepare, bad
):
    samples = tone(1.0)
    samples[1000] = float(bad)
    error = refusal(prepare, chimed(write_routine, tmp_path, samples))
    assert (error.line, error.message) == (
        4,
        "chime 'gong.wav' holds samples that are not numbers (NaN or infinite); replace the file",
    )


@pytest.mark.parametrize("level", [0.0, 1e-6], ids=["zeros", "under-the-loudness-gate"])
def test_a_silent_chime_is_refused_at_its_line(write_routine, tmp_path, prepare, level):
    error = refusal(prepare, chimed(write_routine, tmp_path, tone(1.0, level)))
    assert (error.line, error.message) == (
        4,
        "chime 'gong.wav' is silent (nothing in it reaches -70 LUFS)",
    )


def test_a_chime_over_thirty_seconds_is_refused_at_its_line(write_routine, tmp_path, prepare):
    error = refusal(prepare, chimed(write_routine, tmp_path, tone(31.0), "PCM_16"))
    assert (error.line, error.message) == (
        4,
        "chime 'gong.wav' lasts 31s; a chime may last at most 30s",
    )


def test_a_chime_that_is_no_sound_file_is_refused_at_its_line(write_routine, tmp_path, prepare):
    path = chimed(write_routine, tmp_path, tone(1.0))
    (tmp_path / "gong.wav").write_text("not a sound")
    error = refusal(prepare, path)
    assert (error.line, error.message) == (
        4,
        "chime 'gong.wav' is not a readable .wav, .flac or .ogg file",
    )


def test_a_cue_chime_is_refused_at_the_cue_line(write_routine, tmp_path, prepare):
    sf.write(tmp_path / "hush.wav", np.zeros(RATE, np.float32), RATE)
    error = refusal(
        prepare,
        write_routine("""
            title: T
            steps:
              - name: Rub
                duration: 1m
                cues:
                  - at: 50%
                    chime: hush.wav
            """),
    )
    assert error.line == 7 and error.message.startswith("chime 'hush.wav' is silent")


def test_a_good_chime_is_timed_by_its_prepared_clip(write_routine, tmp_path, prepare):
    prepared = prepare(chimed(write_routine, tmp_path, tone(1.25)))
    (chime,) = [e for e in prepared.plan.events if e.kind == "chime" and e.sound.name != "end"]
    assert chime.duration == pytest.approx(1.25, abs=1 / RATE)
    assert prepared.clip(chime).duration == pytest.approx(chime.duration)


# -- room for the chime and the instruction ----------------------------------------------------
LONG = "Slide both hands slowly up along the spine, then back down the sides."  # 4.2 s


@pytest.mark.parametrize(
    ("fields", "line", "change"),
    [
        ("duration: 3s\n    fixed: true", 3, "make its duration at least 7s"),
        ("duration: 3s\n    max: 5s", 3, "raise its max to at least 7s"),
        ("duration: 3s", 3, "make its duration at least 7s"),
    ],
    ids=["fixed", "max-too-small", "kept-as-written"],
)
def test_a_step_too_short_for_its_chime_and_instruction_is_refused_at_its_line(
    write_routine, prepare, fields, line, change
):
    path = write_routine(f"title: T\nsteps:\n  - name: Rub\n    say: {LONG}\n    {fields}\n")
    error = refusal(prepare, path)
    assert error.line == line
    assert error.message.startswith("step 1 'Rub' lasts 0:03.000 but its chime and spoken ")
    assert error.message.endswith(f"; {change}, or shorten the text")


def test_the_last_step_may_not_speak_into_the_closing(write_routine, prepare):
    path = write_routine(f"""
        title: T
        steps:
          - {{name: Rub, duration: 30s}}
          - {{name: Hold, say: '{LONG}', duration: 2s, fixed: true}}
        """)
    error = refusal(prepare, path)
    assert error.line == 4 and error.message.startswith("step 2 'Hold' lasts 0:02.000")


def test_an_interlude_too_short_is_refused_at_its_line_only_if_it_is_played(write_routine, prepare):
    interlude = f"between: {{say: '{LONG}', duration: 2s, fixed: true}}\n"
    one = "steps:\n  - {name: Rub, duration: 1m}\n"
    prepare(write_routine("title: T\n" + interlude + one))  # one step: never played
    error = refusal(prepare, write_routine("title: T\n" + interlude + one + one[7:]))
    assert error.line == 2 and error.message.startswith("between 'Interlude' lasts 0:02.000")


def test_fitting_leaves_every_side_room_for_its_own_chime_and_instruction(write_routine, prepare):
    """The first side rings the step's bell (1.8 s), the next the soft chime (0.75 s); sides
    are equal shares, so each needs room for the longer of the two."""
    path = write_routine(f"""
        title: T
        steps:
          - {{name: Rub, say: '{LONG}', duration: 2m, min: 1s, sides: [left, right]}}
          - {{name: Rest, duration: 5m, min: 1s}}
        """)
    low, _ = session.length_range(prepare(path))
    built = prepare(path, length=low).plan
    for event in built.events:
        assert event.end <= built.steps[event.step].end + 1e-6, event
    assert built.steps[0].end - built.steps[0].start == pytest.approx(
        1.8 + plan.AFTER_CHIME + (len("Left side. ") + len(LONG)) * SECONDS_PER_CHAR + plan.GAP,
        abs=0.05,
    )


# -- fitting -----------------------------------------------------------------------------------
MARK_REPEAT = "mark steps repeat: true to play them again in rounds"
FIXED = "title: T\nlength: 2m\nsteps:\n  - {name: Rub, duration: 20s, fixed: true}\n"


def test_a_length_the_routine_cannot_take_is_an_error_at_its_length_line(write_routine, prepare):
    error = refusal(prepare, write_routine(FIXED))
    assert (error.line, error.message) == (
        2,
        f"length: cannot fit 2m; this routine takes only 26s; {MARK_REPEAT}",
    )


def test_a_length_option_it_cannot_take_is_a_usage_error_without_a_line(write_routine, prepare):
    with pytest.raises(UsageError) as caught:
        prepare(write_routine(FIXED), length=30 * 60)
    assert (
        str(caught.value)
        == f"routine.yaml: cannot fit 30m; this routine takes only 26s; {MARK_REPEAT}"
    )


# -- finding the routine -----------------------------------------------------------------------
def test_a_missing_file_is_said_not_to_exist(tmp_path):
    with pytest.raises(UsageError) as caught:
        session.find(str(tmp_path / "x.yaml"))
    assert str(caught.value) == (
        f"no file '{tmp_path / 'x.yaml'}': it does not exist in {tmp_path}; "
        "check the path (built-in routines: voiceguide list)"
    )


def test_a_missing_file_named_like_a_built_in_routine_suggests_it():
    with pytest.raises(UsageError, match="it does not exist; did you mean the built-in back-"):
        session.find("back_massage.yaml")


def test_a_misspelt_built_in_name_suggests_the_nearest_ones():
    with pytest.raises(UsageError) as caught:
        session.find("back_massage")
    assert str(caught.value).startswith(
        "no routine 'back_massage': did you mean back-massage or first-back-massage? "
        "give a path to a .yaml file or a built-in name (back-massage, "
    )


def test_a_folder_is_not_a_routine(tmp_path):
    with pytest.raises(UsageError, match="is a folder; give a routine's .yaml file"):
        session.find(str(tmp_path))


# -- every problem in one run (issue 19, item 14) ------------------------------------------------
def problems_of(prepare, path) -> list[tuple[int, str]]:
    with pytest.raises(RoutineError) as caught:
        prepare(path)
    found = [(e.line, e.message) for e in caught.value.errors]
    assert str(caught.value).splitlines() == [f"{path}:{n}: {m}" for n, m in found]
    return found


def test_the_files_a_routine_names_are_checked_with_the_loaders_problems_in_line_order(
    write_routine, tmp_path, prepare
):
    sf.write(tmp_path / "hush.wav", np.zeros(RATE, np.float32), RATE)
    path = write_routine("""
        title: T
        bed: missing.wav
        lenght: 20m
        chime: hush.wav
        steps:
          - name: Rub
            durration: 1m
        """)
    found = problems_of(prepare, path)
    assert [line for line, _ in found] == [2, 3, 4, 7]
    assert found[0][1] == f"bed: bed file {tmp_path / 'missing.wav'} does not exist"
    assert found[1][1].startswith("the routine: unknown key 'lenght'; did you mean 'length'?")
    assert found[2][1] == "chime 'hush.wav' is silent (nothing in it reaches -70 LUFS)"
    assert found[3][1].startswith("step 1: unknown key 'durration'; did you mean 'duration'?")


def test_every_bad_chime_and_the_bed_are_reported_when_the_routine_loads(
    write_routine, tmp_path, prepare
):
    sf.write(tmp_path / "hush.wav", np.zeros(RATE, np.float32), RATE)
    (tmp_path / "text.wav").write_text("not a sound")
    path = write_routine("""
        title: T
        steps:
          - {name: Rub, duration: 1m, chime: hush.wav}
          - {name: Push, duration: 1m, chime: text.wav}
        bed: {sound: nowhere.flac, level: 20}
        """)
    assert [line for line, _ in problems_of(prepare, path)] == [3, 4, 5]


def test_every_step_too_short_for_its_chime_and_instruction_is_reported(write_routine, prepare):
    path = write_routine(f"""
        title: T
        steps:
          - {{name: Rub, say: '{LONG}', duration: 3s, fixed: true}}
          - {{name: Rest, duration: 1m}}
          - {{name: Push, say: '{LONG}', duration: 2s, fixed: true}}
        """)
    found = problems_of(prepare, path)
    assert [line for line, _ in found] == [3, 5]
    assert found[1][1].startswith("step 3 'Push' lasts 0:02.000 but its chime and spoken")


def test_a_length_it_cannot_meet_comes_with_the_warning_that_explains_it(write_routine, prepare):
    path = write_routine("title: T\nlength: 30\nsteps:\n  - {name: Rub, duration: 5m}\n")
    with pytest.raises(RoutineError) as caught:
        prepare(path)
    assert caught.value.line == 2
    assert caught.value.message.startswith("length: cannot fit 30s; this routine takes from 1m")
    assert caught.value.warnings == (
        f"{path}:2: length 30 is read as 30 seconds; write 30s to say so, or 30m for minutes",
    )


# -- a built-in's name and a file of that name (issue 19, item 11) ------------------------------
def test_a_built_in_name_is_the_built_in_even_beside_a_file_of_that_name(
    tmp_path, monkeypatch, prepare
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "back-massage").write_text("title: Mine\nsteps:\n  - {name: Rub, duration: 1m}\n")
    prepared = prepare("back-massage")
    assert prepared.written.title == "Back massage"
    assert prepared.written.warnings[-1] == (
        f"'back-massage' is the built-in routine (voiceguide list), not the file of that name "
        f"in {tmp_path}; write ./back-massage for the file"
    )
    assert prepare("./back-massage").written.title == "Mine"
    assert session.find("back-massage") == resources.builtin_routine("back-massage")
