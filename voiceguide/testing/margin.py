"""How far the pace guide stands above the sound bed, through the speaker a listener uses, and
whether a bed moves at a rhythm of its own. Measured on what an export wrote.

The definitions (docs/performance.md, "The pace guide over the bed"):

* **Speakers.** ``SMALL``: a 4th-order Butterworth band-pass from 300 Hz to 8 kHz (24 dB an
  octave on either side: scipy's ``butter(4, band, "bandpass")``), what a
  phone's or a laptop's small speaker plays (next to nothing under 300 Hz). ``PHONE``: the
  same from 800 Hz, a phone's own micro speaker (a resonance near 700-1,000 Hz, little under
  it), a harsher check. ``FULL``: no filter (big speakers, headphones). The filters are
  causal (a speaker is).
* **The parts.** The beats alone are the export with the pace guide minus the same export
  with ``--pace off``; the bed alone is the export with the bed minus the same export
  without one. Both are exact: the session's gain is measured on speech and chimes only,
  and nothing else in a session moves with the bed or the beats.
* **A beat's margin** (dB): the energy of the beat alone through the speaker, over the
  energy of the bed alone through the speaker, in the same window: ``TICK_WINDOW`` (100 ms,
  about the ear's integration time for a short sound) from a tick's onset; a breath's whole
  span (it is one long swell, heard as a whole).
* **A session's margin**: over its beats heard in the clear (no speech within 0.1 s of the
  window: the beats at their full level, not ducked under speech), the median and the worst
  10 % (the 10th percentile).
* **A bed's rhythm at a period** ``P``: ``r(P) - r(P / 2)``, where ``r`` is the normalized
  autocorrelation of the bed's envelope (the RMS of every ``HOP`` through the small speaker,
  its mean removed). A bed whose level comes round every ``P`` scores up to 2 (a sine); a
  bed whose level drifts with no period scores 0 or less (its ``r`` only falls with the
  lag). ``RHYTHM_LIMIT``: from there a bed has a rhythm of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from voiceguide.audio import RATE
from voiceguide.plan import Event, EventKind
from voiceguide.resources import PaceSound

SMALL = (300.0, 8000.0)  # Hz: a phone's or laptop's small speaker
PHONE = (800.0, 8000.0)  # Hz: a phone's micro speaker alone
FULL = None  # no filter
SPEAKERS = {"small": SMALL, "phone": PHONE, "full": FULL}
ORDER = 4
TICK_WINDOW = 0.1  # seconds from a tick's onset
GUARD = 0.1  # seconds around a beat where speech ducks it (plan.pulses.SPEECH_GUARD)
SETTLE = 0.2  # seconds of signal filtered before a window, so the filter is settled in it
HOP = 0.05  # seconds: the envelope's step for the rhythm
# Periodicity from which a bed has a rhythm of its own: a clear one scores ~1 (the old
# ocean 1.2 at 9.4 s); a bed with none reads within +-0.2 over 10 minutes (seeds 0-3).
RHYTHM_LIMIT = 0.3


def speaker(samples: np.ndarray, band: tuple[float, float] | None) -> np.ndarray:
    """``samples`` (48 kHz) as the speaker ``band`` (Hz, or None: full band) plays them:
    a causal ``ORDER``-th order Butterworth band-pass. Float64, a new array."""
    samples = np.asarray(samples, dtype=np.float64)
    if band is None:
        return samples.copy()
    import scipy.signal

    sos = scipy.signal.butter(ORDER, band, btype="bandpass", fs=RATE, output="sos")
    result: np.ndarray = scipy.signal.sosfilt(sos, samples)
    return result


@dataclass(frozen=True)
class Beat:
    """A beat to measure: its sound (``pulse``, ``breath``), its onset and the end of its
    window (seconds from the session's start), and whether it is heard in the clear (not
    ducked under speech)."""

    sound: str
    at: float
    end: float
    clear: bool


def beats_of(events: Sequence[Event | dict[str, Any]]) -> list[Beat]:
    """The pace guide's beats among a plan's ``events`` (``Event``s or ``plan --json``
    event dicts): a tick's window is ``TICK_WINDOW``, a breath's its whole span. A beat is
    in the clear when no speech is heard from ``GUARD`` before its onset to ``GUARD`` after
    its window (the plan ducks the others under the speech)."""
    rows = [_row(event) for event in events]
    speech = [(at, at + duration) for kind, _, at, duration in rows if kind == EventKind.SPEECH]
    out = []
    for kind, sound, at, duration in rows:
        if kind != EventKind.PULSE:
            continue
        end = at + (duration if sound == PaceSound.BREATH else TICK_WINDOW)
        heard = any(s < end + GUARD and e > at - GUARD for s, e in speech)
        out.append(Beat(sound, at, end, not heard))
    return out


def _row(event: Event | dict[str, Any]) -> tuple[str, str, float, float]:
    """(kind, sound's name, at, duration) of an ``Event`` or a JSON event."""
    if isinstance(event, dict):
        sound = str(event.get("sound") or "").removesuffix(".wav")
        return event["kind"], sound, event["at"], event["duration"]
    sound = event.sound.name if event.sound is not None else ""
    return event.kind, sound, event.at, event.duration


def margins(
    beats_alone: np.ndarray,
    bed_alone: np.ndarray,
    beats: Sequence[Beat],
    band: tuple[float, float] | None,
) -> np.ndarray:
    """Each beat's margin (dB) over the bed through the speaker ``band``: see the module
    docstring. ``beats_alone`` and ``bed_alone`` are session signals at 48 kHz, frame 0 at
    the session's start. A window where the bed is silent gives ``inf``."""
    out = []
    for beat in beats:
        first, last = round(beat.at * RATE), round(beat.end * RATE)
        begin = max(0, first - round(SETTLE * RATE))
        tick = speaker(beats_alone[begin:last], band)[first - begin :]
        bed = speaker(bed_alone[begin:last], band)[first - begin :]
        with np.errstate(divide="ignore"):
            out.append(10 * np.log10(np.sum(tick**2) / np.sum(bed**2)))
    return np.array(out)


@dataclass(frozen=True)
class Margin:
    """A session's margin through one speaker (dB): the median and the worst 10 % of its
    beats in the clear, and how many there were."""

    median: float
    worst10: float
    beats: int

    def __str__(self) -> str:
        return f"median {self.median:+.1f} dB, worst 10 % {self.worst10:+.1f} dB ({self.beats})"


def summary(values: np.ndarray) -> Margin:
    """The median and 10th percentile of ``values`` (dB)."""
    if len(values) == 0:
        return Margin(np.nan, np.nan, 0)
    return Margin(float(np.median(values)), float(np.percentile(values, 10)), len(values))


def session_margins(
    with_bed: np.ndarray,
    without_bed: np.ndarray,
    without_pace: np.ndarray,
    events: Sequence[Event | dict[str, Any]],
    sound: str = PaceSound.PULSE,
    speakers: dict[str, tuple[float, float] | None] = SPEAKERS,
) -> dict[str, Margin]:
    """A session's margin through each of ``speakers``, from three exports of it: with the
    bed, without it, and without it and without the pace guide (decoded, 48 kHz). Only the
    beats of ``sound`` in the clear count. Raises ``ValueError`` when the exports are not
    of one plan."""
    frames = min(len(with_bed), len(without_bed), len(without_pace))
    if max(len(with_bed), len(without_bed), len(without_pace)) - frames > 1:
        raise ValueError("the three exports differ in length: they are not of one plan")
    bed_alone = with_bed[:frames] - without_bed[:frames]
    beats_alone = without_bed[:frames] - without_pace[:frames]
    clear = [beat for beat in beats_of(events) if beat.clear and beat.sound == sound]
    return {
        name: summary(margins(beats_alone, bed_alone, clear, band))
        for name, band in speakers.items()
    }


def envelope(
    read: Callable[[int, int], np.ndarray], frames: int, band: tuple[float, float] | None = SMALL
) -> np.ndarray:
    """The RMS of every ``HOP`` seconds of a signal through the speaker ``band``, read with
    ``read(first, count)`` (a bed's ``read``, or ``raw``) a minute at a time: ``frames``
    frames of it (the last partial hop left out). Memory: a minute's, whatever ``frames``."""
    import scipy.signal

    hop, piece = round(HOP * RATE), 60 * RATE
    sos = (
        None
        if band is None
        else scipy.signal.butter(ORDER, band, "bandpass", fs=RATE, output="sos")
    )
    state = None if sos is None else np.zeros((sos.shape[0], 2))
    out = []
    for first in range(0, frames // hop * hop, piece):
        part = read(first, min(piece, frames // hop * hop - first)).astype(np.float64)
        if sos is not None:
            part, state = scipy.signal.sosfilt(sos, part, zi=state)
        out.append(np.sqrt(np.mean(part.reshape(-1, hop) ** 2, axis=1)))
    return np.concatenate(out)


def autocorrelation(values: np.ndarray) -> np.ndarray:
    """The normalized autocorrelation of ``values`` (mean removed), lag 0 first (= 1); each
    lag's sum divided by the number of pairs it has (unbiased), then by lag 0's."""
    centred = values - np.mean(values)
    size = 1 << int(np.ceil(np.log2(2 * len(centred))))
    spectrum = np.fft.rfft(centred, size)
    sums = np.fft.irfft(spectrum * np.conj(spectrum), size)[: len(centred)]
    sums /= np.arange(len(centred), 0, -1)
    result: np.ndarray = sums / sums[0]
    return result


def rhythm(values: np.ndarray, periods: np.ndarray | Sequence[float]) -> np.ndarray:
    """The periodicity ``r(P) - r(P / 2)`` of an envelope ``values`` (one every ``HOP``) at
    each of ``periods`` (seconds; at most a quarter of the envelope's length)."""
    periods = np.asarray(periods, dtype=np.float64)
    if np.any(periods / HOP > len(values) / 4):
        raise ValueError("a period is longer than a quarter of the envelope: too few to tell")
    r = autocorrelation(values)
    lags = np.arange(len(r)) * HOP
    result: np.ndarray = np.interp(periods, lags, r) - np.interp(periods / 2, lags, r)
    return result


def pace_periods(low: float, high: float, count: int = 200) -> np.ndarray:
    """``count`` beat periods (seconds) evenly spread in rate from ``low`` to ``high`` per
    minute."""
    return 60.0 / np.linspace(low, high, count)
