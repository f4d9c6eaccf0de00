"""The voice-command test set (issue 23), made deterministically from this recipe.

    python bench/listen_set.py DIR          # ~5 minutes on 2 cores the first time

What it makes in DIR (nothing downloaded; every sound comes from voiceguide's own engines):

* ``commands/VOICE-RATE-WORD.wav``: every command word spoken by 6 espeak-ng voices
  (languages and variants: male, female, British, Scottish, Caribbean) and the Piper voice
  ``joe``, each at 130 and 180 words per minute; 16 kHz mono.
* ``sessions/NAME.wav`` + ``NAME.vtt``: sessions exported by ``voiceguide export`` (espeak-ng
  and Piper, with and without a sound bed and the pace guide), 16 kHz mono; the VTT says when
  the session speaks; for a session with a sound bed, ``NAME.clips.wav`` is the same plan
  without it: what the player tells the listener (the sound device mixes the bed in itself,
  so the echo canceller never hears of it). ``POSITIVE`` carry the commands; ``NEGATIVE``
  (2 hours) carry none.

How a trial is heard (``mic``): the command through a synthesized room impulse response
(``room``: a direct path and an exponentially decaying diffuse tail, RT60 0.25-0.6 s), at
-30 dBFS of active speech level, varied +-5 dB; plus the session as a loudspeaker plays it
(high-passed at 150 Hz, gently saturated) through its own impulse response of the same room,
its speech ``ECHO_DB`` relative to the command's nominal level; plus microphone noise at
-65 dBFS. Every random choice comes from ``numpy.random.default_rng(SEED + index)``.

Trials (``trials``): ``between`` (every command recording, twice, in gaps where the session
does not speak: bed, pace guide and chimes may sound) and ``during`` ("pause" starting inside
one of the session's sentences, 6 placements per recording).

Talk (``talk_trials``, in ``talk.json``; ``talk/VOICE-RATE-N.wav``): what the giver or the
partner may say between cues that is no command (``TALK``, some near one: "keep going",
"don't stop"), in the same voices, rates and rooms, placed as the commands between cues:
every word the listener acts on there is a false action.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import scipy.signal
import soundfile as sf
import soxr

RATE = 16000
SEED = 23
COMMANDS = ("pause", "go on", "next", "back", "longer", "shorter", "slower", "faster", "stop")
ESPEAK_VOICES = ("en-us", "en-us+f3", "en-gb+m3", "en-gb-scotland+f2", "en-029+m5", "en-gb-x-rp+f4")
RATES = (130, 180)
PIPER_VOICE = "joe"
COMMAND_DBFS = -30.0  # the command's active speech level at the microphone
COMMAND_SPREAD_DB = 5.0  # +- per trial: the giver speaks louder or softer
ECHO_DB = 0.0  # the session's speech at the microphone, relative to the command's level
NOISE_DBFS = -65.0
# (name, routine, length, extra export options): exported with espeak-ng unless --engine
POSITIVE = (
    ("pos-back", "back-massage", "20m", ()),
    ("pos-neck-ocean", "neck-stretch", "10m", ("--bed", "ocean")),
    ("pos-first-rain", "first-back-massage", "20m", ("--bed", "rain")),
    ("pos-back-piper", "back-massage", "15m", ("--engine", "piper", "--bed", "drone")),
)
NEGATIVE = (  # 120 minutes 10 s in all
    ("neg-back-ocean", "back-massage", "40m", ("--bed", "ocean")),
    ("neg-neck", "neck-stretch", "10m", ()),
    # 5m30s until the routine grew (it now takes 5m40s at least)
    ("neg-first-short", "first-back-massage", "5m40s", ("--pace", "off")),
    ("neg-first", "first-back-massage", "30m", ("--bed", "rain")),
    ("neg-back-piper", "back-massage", "35m", ("--engine", "piper")),
)
# said in a session that is no command: the partner's and the giver's own words
TALK = (
    "That feels really good.",
    "A little lower, please.",
    "Can you press a bit harder?",
    "Is this pressure okay?",
    "Yes.",
    "No, that's fine.",
    "Ouch, gently there.",
    "Thank you.",
    "How much longer is it?",
    "I'm getting a bit cold.",
    "Keep going.",
    "Don't stop.",
    "A bit more to the left.",
    "Mm, that's nice.",
)
BEFORE, AFTER = 15.0, 4.0  # seconds of the session heard before a command starts, after it ends
RECIPE = 2  # how trials are placed (``trials``): 1 is the first round's, kept to compare
LEAD = 120.0  # seconds of the session before that, heard by the echo canceller only (``lead``)


@dataclass(frozen=True)
class Trial:
    """One command heard over one session: ``at`` seconds into the session's file."""

    index: int
    kind: str  # "between" or "during"
    command: str  # the file in commands/
    word: str
    session: str
    at: float
    level_db: float  # the command's active level at the microphone, dBFS


def voice_name(voice: str) -> str:
    return voice.replace("+", "_")


def make_commands(out: Path, voiceguide: str) -> None:
    """Every command word in every voice and rate (``record``)."""
    record(out / "commands", {w.replace(" ", "_"): w for w in COMMANDS}, voiceguide)


def make_talk(out: Path, voiceguide: str) -> None:
    """Every ``TALK`` phrase in every voice and rate, as ``make_commands`` makes the words."""
    record(out / "talk", {f"{n:02d}": text for n, text in enumerate(TALK)}, voiceguide)


def record(folder: Path, texts: dict[str, str], voiceguide: str) -> None:
    """``folder/VOICE-RATE-NAME.wav`` for each ``NAME: text`` of ``texts``, in every voice
    and rate (espeak-ng's command line, Piper through ``voiceguide say``), trimmed of leading
    and trailing silence, at 16 kHz. A file already there is kept."""
    folder.mkdir(parents=True, exist_ok=True)
    for rate in RATES:
        for name, text in texts.items():
            for voice in ESPEAK_VOICES:
                target = folder / f"{voice_name(voice)}-{rate}-{name}.wav"
                if not target.exists():
                    raw = target.with_suffix(".raw.wav")
                    subprocess.run(
                        ["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(raw), text],
                        check=True,
                    )
                    _trimmed(raw, target)
            target = folder / f"piper_{PIPER_VOICE}-{rate}-{name}.wav"
            if not target.exists():
                raw = target.with_suffix(".raw.wav")
                subprocess.run(
                    [voiceguide, "say", "--engine", "piper", "--voice", PIPER_VOICE,
                     "--rate", str(rate), "-o", str(raw), text],
                    check=True,
                )  # fmt: skip
                _trimmed(raw, target)


def talk_trials(out: Path) -> list[Trial]:
    """Every talk recording once, between cues of the sessions in turn (``word``: the
    phrase), placed and levelled as the commands between cues."""
    names = sorted(p.name for p in (out / "talk").glob("*.wav"))
    sessions = [name for name, *_ in POSITIVE]
    rng = np.random.default_rng(SEED + 7)
    made = []
    for i, name in enumerate(names):
        session = sessions[i % len(sessions)]
        length = sf.info(str(out / "talk" / name)).duration
        at = _gap(out, session, length, rng, RECIPE)
        level = COMMAND_DBFS + rng.uniform(-COMMAND_SPREAD_DB, COMMAND_SPREAD_DB)
        text = TALK[int(name.rsplit("-", 1)[1].removesuffix(".wav"))]
        made.append(Trial(i, "talk", name, text, session, at, level))
    return made


def _trimmed(raw: Path, target: Path) -> None:
    samples, rate = sf.read(str(raw), dtype="float32", always_2d=True)
    samples = soxr.resample(samples[:, 0], rate, RATE)
    loud = np.flatnonzero(np.abs(samples) > 10 ** (-50 / 20) * np.abs(samples).max())
    samples = samples[max(0, loud[0] - 160) : loud[-1] + 160]
    sf.write(str(target), samples, RATE, subtype="FLOAT")
    raw.unlink()


def make_sessions(out: Path, voiceguide: str) -> None:
    """Each session as heard (``NAME.wav``) and, for one with a sound bed, its clips alone
    (``NAME.clips.wav``, the same plan with ``--bed none``): the player tells the listener
    its clips, not the bed, which the sound device mixes in itself."""
    folder = out / "sessions"
    folder.mkdir(parents=True, exist_ok=True)
    for name, routine, length, extra in POSITIVE + NEGATIVE:
        _export(folder / f"{name}.wav", voiceguide, routine, length, extra)
        if "--bed" in extra:
            unbedded = [*extra[: extra.index("--bed")], *extra[extra.index("--bed") + 2 :]]
            clips = folder / f"{name}.clips.wav"
            _export(clips, voiceguide, routine, length, (*unbedded, "--bed", "none"))


def _export(target: Path, voiceguide: str, routine: str, length: str, extra) -> None:
    if target.exists():
        return
    full = target.with_name(target.name.removesuffix(".wav") + ".full.wav")
    # the engine always named: a routine that names none speaks with Piper where it is
    # installed (issue 21), and the recipe's sessions are espeak-ng's unless they say Piper
    engine = () if "--engine" in extra else ("--engine", "espeak")
    subprocess.run(
        [voiceguide, "export", routine, "-l", length, *engine, *extra, "-o", str(full)]
        + ["--vtt", "-q"],
        check=True,
    )
    samples, rate = sf.read(str(full), dtype="float32", always_2d=True)
    sf.write(str(target), soxr.resample(samples.mean(axis=1), rate, RATE), RATE)
    full.with_suffix(".vtt").rename(target.with_suffix(".vtt"))
    full.unlink()


def told(out: Path, session: str, bed: bool = False) -> Path:
    """The file of what the player tells the listener for ``session``: its clips (``bed``:
    and its sound bed, as a tap on the mixer that plays the bed would)."""
    clips = out / "sessions" / f"{session}.clips.wav"
    return clips if clips.exists() and not bed else out / "sessions" / f"{session}.wav"


def spoken(vtt: Path, chimes: bool = True) -> list[tuple[float, float]]:
    """The (start, end) seconds of every cue of the session, from its WebVTT: what it says,
    and (``chimes``) its chimes ("[bell chime]")."""
    stamp = r"(\d+):(\d\d):(\d\d)\.(\d\d\d)"
    found = []
    lines = vtt.read_text().splitlines()
    for line, text in zip(lines, [*lines[1:], ""], strict=True):
        m = re.match(stamp + r" --> " + stamp, line)
        if m and (chimes or not text.startswith("[")):
            g = [int(x) for x in m.groups()]
            found.append((g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 1000,
                          g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 1000))  # fmt: skip
    return found


def merged(cues: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Cues that overlap (a chime inside a sentence) as one."""
    joined: list[tuple[float, float]] = []
    for a, b in sorted(cues):
        if joined and a <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], b))
        else:
            joined.append((a, b))
    return joined


def speaking_mask(intervals: list[tuple[float, float]], start: float, frames: int) -> np.ndarray:
    """True for each frame (16 kHz, from ``start`` seconds) inside a spoken cue."""
    mask = np.zeros(frames, bool)
    for a, b in intervals:
        i, j = round((a - start) * RATE), round((b - start) * RATE)
        if j > 0 and i < frames:
            mask[max(0, i) : min(frames, j)] = True
    return mask


def trials(out: Path, recipe: int = RECIPE) -> list[Trial]:
    """Every trial of the set, in a fixed order (the recipe: the same list on every run).

    ``recipe`` 1 is the first round's placement, kept to compare figures: its gaps were
    taken between successive cues, and a chime inside a sentence made a "gap" in the middle
    of it (20 of its 252 commands "between cues" overlap a cue), and its sentences included
    long chimes (30 of its 84 "pause" over the session's speech are over a chime instead).
    Recipe 2 places a command between cues merged where they overlap, and "pause" inside a
    sentence the session says."""
    commands = sorted(p.name for p in (out / "commands").glob("*.wav"))
    sessions = [name for name, *_ in POSITIVE]
    made: list[Trial] = []
    rng = np.random.default_rng(SEED)
    for repeat in range(2):
        for i, name in enumerate(commands):
            session = sessions[(i + repeat) % len(sessions)]
            word = _word(name)
            length = sf.info(str(out / "commands" / name)).duration
            at = _gap(out, session, length, rng, recipe)
            level = COMMAND_DBFS + rng.uniform(-COMMAND_SPREAD_DB, COMMAND_SPREAD_DB)
            made.append(Trial(len(made), "between", name, word, session, at, level))
    for i, name in enumerate(c for c in commands if _word(c) == "pause"):
        length = sf.info(str(out / "commands" / name)).duration
        for repeat in range(6):
            session = sessions[(i + repeat) % len(sessions)]
            at = _inside(out, session, length, rng, recipe)
            level = COMMAND_DBFS + rng.uniform(-COMMAND_SPREAD_DB, COMMAND_SPREAD_DB)
            made.append(Trial(len(made), "during", name, "pause", session, at, level))
    return made


def _word(name: str) -> str:
    return name.rsplit("-", 1)[1].removesuffix(".wav").replace("_", " ")


def _gap(out: Path, session: str, length: float, rng: np.random.Generator, recipe: int) -> float:
    """A start where the command and 1 s after it fall between the session's cues."""
    cues = spoken(out / "sessions" / f"{session}.vtt")
    cues = merged(cues) if recipe >= 2 else cues
    total = sf.info(str(out / "sessions" / f"{session}.wav")).duration
    gaps = [(a[1] + 0.3, b[0] - length - 1.0) for a, b in zip(cues, cues[1:], strict=False)]
    gaps = [(a, b) for a, b in gaps if b > a and a > BEFORE and b < total - AFTER - length]
    a, b = gaps[rng.integers(len(gaps))]
    return float(rng.uniform(a, b))


def _inside(out: Path, session: str, length: float, rng: np.random.Generator, recipe: int) -> float:
    """A start inside a sentence of the session that goes on for at least half the word."""
    cues = spoken(out / "sessions" / f"{session}.vtt", chimes=recipe < 2)
    total = sf.info(str(out / "sessions" / f"{session}.wav")).duration
    long = [(a, b) for a, b in cues if b - a > length + 1.0 and BEFORE < a and b < total - AFTER]
    a, b = long[rng.integers(len(long))]
    return float(rng.uniform(a + 0.2, b - length / 2))


def room(rng, rt60: float, direct_to_reverb_db: float, delay: float) -> np.ndarray:
    """A synthesized room impulse response at 16 kHz: a direct path ``delay`` seconds late,
    early reflections, and a diffuse tail decaying by 60 dB in ``rt60`` seconds."""
    frames = int((delay + rt60 * 1.2) * RATE)
    t = np.arange(frames) / RATE
    tail = rng.standard_normal(frames) * np.exp(-6.9 * (t - delay) / rt60)
    tail[t < delay + 0.002] = 0.0
    tail = scipy.signal.lfilter([0.6, 0.4], [1.0], tail)  # walls absorb the highs a little
    for _ in range(6):  # early reflections
        at = delay + rng.uniform(0.003, 0.03)
        tail[int(at * RATE)] += rng.uniform(-0.5, 0.5) * np.sqrt(np.sum(tail**2) / 6)
    direct = np.zeros(frames)
    direct[int(delay * RATE)] = 1.0
    energy = np.sum(tail**2)
    tail *= np.sqrt(10 ** (-direct_to_reverb_db / 10) / energy)
    return (direct + tail).astype(np.float32)


def active_level(samples: np.ndarray) -> float:
    """Active speech level in dBFS: the RMS of the 20 ms frames within 30 dB of the loudest."""
    frames = samples[: len(samples) // 320 * 320].reshape(-1, 320)
    power = np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-20
    active = power[power > power.max() * 1e-3]
    return float(10 * np.log10(np.mean(active)))


def loudspeaker(samples: np.ndarray) -> np.ndarray:
    """A small loudspeaker: no bass under 150 Hz, a little saturation on loud peaks."""
    sos = scipy.signal.butter(2, 150, "highpass", fs=RATE, output="sos")
    return np.tanh(1.4 * scipy.signal.sosfilt(sos, samples)) / 1.4


def mic(out: Path, trial: Trial, echo_db: float = ECHO_DB, bed: bool = False):
    """What the microphone hears in ``trial``: (samples at 16 kHz, the speaking mask, what
    the player tells the listener it plays (its clips, without the bed: the echo
    canceller's reference), where the word starts and ends in those samples, seconds)."""
    rng = np.random.default_rng(SEED + 1000 + trial.index)
    folder = "talk" if trial.kind == "talk" else "commands"
    word, _ = sf.read(str(out / folder / trial.command), dtype="float32")
    start = trial.at - BEFORE
    frames = round((BEFORE + len(word) / RATE + AFTER) * RATE)
    session, _ = sf.read(
        str(out / "sessions" / f"{trial.session}.wav"),
        dtype="float32",
        start=round(start * RATE),
        frames=frames,
    )
    session = np.pad(session, (0, frames - len(session)))  # a session ending early: silence
    cues = spoken(out / "sessions" / f"{trial.session}.vtt")
    clips, _ = sf.read(
        str(told(out, trial.session, bed)),
        dtype="float32",
        start=round(start * RATE),
        frames=frames,
    )
    clips = np.pad(clips, (0, frames - len(clips)))
    giver_room, echo_room = _rooms(rng)
    giver = scipy.signal.fftconvolve(word, giver_room)
    giver *= 10 ** ((trial.level_db - active_level(giver)) / 20)
    heard = np.zeros(frames, np.float32)
    first = round(BEFORE * RATE)
    heard[first : first + len(giver)] += giver[: frames - first]
    echo = scipy.signal.fftconvolve(loudspeaker(session), echo_room)
    echo *= 10 ** ((COMMAND_DBFS + echo_db - _speech_level(out, trial.session)) / 20)
    heard += echo[:frames]
    heard += rng.standard_normal(frames).astype(np.float32) * 10 ** (NOISE_DBFS / 20)
    mask = speaking_mask(cues, start, frames)
    return heard, mask, clips, (BEFORE, BEFORE + len(word) / RATE)


def _rooms(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The room of one trial: the giver's path to the microphone, and the loudspeaker's."""
    rt60 = rng.uniform(0.25, 0.6)
    giver = room(rng, rt60, rng.uniform(3, 9), 0.002)
    return giver, room(rng, rt60, rng.uniform(0, 4), 0.004)


def lead(
    out: Path, trial: Trial, seconds: float = LEAD, echo_db: float = ECHO_DB, bed: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """What the microphone heard (and the player told) in the ``seconds`` before ``mic``'s
    samples start: the session through the same loudspeaker and room, no command. Live, the
    listener has heard the session since its start, so its echo canceller has learned the
    room by the time a command comes; a trial's 15 s alone often hold no sentence to learn
    from. Fed to the canceller only (``bench_listen.warm``), and a no-op for ``mic``'s
    figures: ``mic`` draws the same numbers with or without it."""
    start = trial.at - BEFORE
    first = max(0.0, start - seconds)
    frames = round((start - first) * RATE)
    if frames <= 0:
        return np.zeros(0, np.float32), np.zeros(0, np.float32)
    _, echo_room = _rooms(np.random.default_rng(SEED + 1000 + trial.index))
    read = {"dtype": "float32", "start": round(first * RATE), "frames": frames}
    session, _ = sf.read(str(out / "sessions" / f"{trial.session}.wav"), **read)
    clips, _ = sf.read(str(told(out, trial.session, bed)), **read)
    echo = scipy.signal.fftconvolve(loudspeaker(session), echo_room)[:frames]
    echo *= 10 ** ((COMMAND_DBFS + echo_db - _speech_level(out, trial.session)) / 20)
    noise = np.random.default_rng(SEED + 9000 + trial.index).standard_normal(frames)
    heard = echo + noise * 10 ** (NOISE_DBFS / 20)
    return heard.astype(np.float32), clips.astype(np.float32)


_LEVELS: dict[str, float] = {}


def _speech_level(out: Path, session: str) -> float:
    """The session's active speech level through the loudspeaker, measured in its cues."""
    if session not in _LEVELS:
        samples, _ = sf.read(str(out / "sessions" / f"{session}.wav"), dtype="float32")
        cues = spoken(out / "sessions" / f"{session}.vtt")
        speech = np.concatenate([samples[round(a * RATE) : round(b * RATE)] for a, b in cues])
        _LEVELS[session] = active_level(loudspeaker(speech))
    return _LEVELS[session]


def negative(out: Path, name: str, echo_db: float = ECHO_DB, bed: bool = False):
    """One of the command-free sessions as the microphone hears it, in 60 s pieces:
    yields (samples, speaking mask, what the player tells the listener) per piece; the room
    is the same throughout."""
    rng = np.random.default_rng(SEED + 5000 + [n for n, *_ in NEGATIVE].index(name))
    path = out / "sessions" / f"{name}.wav"
    cues = spoken(path.with_suffix(".vtt"))
    rt60 = rng.uniform(0.25, 0.6)
    response = room(rng, rt60, rng.uniform(0, 4), 0.004)
    gain = 10 ** ((COMMAND_DBFS + echo_db - _speech_level(out, name)) / 20)
    piece = 60 * RATE
    carried = np.zeros(len(response) - 1)
    clips = sf.blocks(str(told(out, name, bed)), blocksize=piece, dtype="float32")
    for index, block in enumerate(sf.blocks(str(path), blocksize=piece, dtype="float32")):
        echo = scipy.signal.fftconvolve(loudspeaker(block), response)  # overlap-add
        echo[: len(carried)] += carried
        echo, carried = echo[: len(block)], echo[len(block) :]
        noise = rng.standard_normal(len(block)) * 10 ** (NOISE_DBFS / 20)
        heard = (echo * gain + noise).astype(np.float32)
        yield heard, speaking_mask(cues, index * 60.0, len(block)), next(clips)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--voiceguide", default=str(Path(sys.executable).parent / "voiceguide"))
    parser.add_argument("--talk", action="store_true", help="also talk.json: no command, said")
    args = parser.parse_args()
    make_commands(args.out, args.voiceguide)
    make_sessions(args.out, args.voiceguide)
    for recipe, name in ((1, "trials-v1.json"), (RECIPE, "trials.json")):
        made = trials(args.out, recipe)
        (args.out / name).write_text(json.dumps([asdict(t) for t in made], indent=1))
    kinds = {k: sum(t.kind == k for t in made) for k in ("between", "during")}
    print(f"{args.out}: {kinds['between']} commands between cues, {kinds['during']} during speech")
    if args.talk:
        make_talk(args.out, args.voiceguide)
        talk = talk_trials(args.out)
        (args.out / "talk.json").write_text(json.dumps([asdict(t) for t in talk], indent=1))
        print(f"{args.out}: {len(talk)} phrases of talk between cues")


if __name__ == "__main__":
    main()
