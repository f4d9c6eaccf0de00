"""Leveling: the gain that brings a signal to a loudness with its true peak under a ceiling.

The one place where true-peak ceilings are decided (``MIX_CEILING_DB``, ``CLIP_CEILING_DB``)
and where loudness lost to the limiter is made up (``leveling_gain``, at most ``ROUNDS``
rounds; the session's leveling in ``export.mix`` makes up what limiting clips took in the
same number of rounds).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from voiceguide.audio import RATE, db, gain
from voiceguide.audio.limiter import Gain, limiter_dips
from voiceguide.audio.loudness import (
    KWeighting,
    Workspace,
    block_grid,
    energies,
    gated_loudness,
    k_weight,
    weighted_energies,
)
from voiceguide.audio.peaks import PeakReader, oversampled_peaks
from voiceguide.choices import ExportFormat

# The promise of every export: the decoded file's true peak is at most -1 dBTP. The mix is
# limited to a ceiling per format before encoding; lossy encoders raise true peaks (measured
# on espeak-ng speech: MP3 at 24 kHz V2 a median +0.05 dB, but up to +0.5 dB on one cue and
# +1.1 dB once on a fresh machine, where espeak-ng rendered that cue a little differently;
# Vorbis +0.8 dB, Opus +1.3 dB), so their mixes are limited lower, and leveling makes up the
# loudness the limiter takes.
FILE_CEILING_DB = -1.0
MIX_CEILING_DB = {
    ExportFormat.WAV: -1.0,
    ExportFormat.FLAC: -1.0,
    ExportFormat.MP3: -3.0,
    ExportFormat.OGG: -2.5,
    ExportFormat.OPUS: -3.0,
}
# Every clip is made under MP3's ceiling, so an MP3 export limits nothing again unless the
# session needs gain.
CLIP_CEILING_DB = MIX_CEILING_DB[ExportFormat.MP3]
HEADROOM = 1.5  # dB the limiter aims under the ceiling, for the make-up gain
ROUNDS = 3  # limit-and-make-up rounds, each deeper, until the make-up restores the loudness
KEEP_BYTES = 1 << 19  # a clip up to this size keeps its K-weighted copy while leveled


# long: most of it is the docstring; the rounds read best as one loop
def leveling_gain(
    samples: np.ndarray,
    target_lufs: float | None,
    rate: int = RATE,
    ceiling_db: float = CLIP_CEILING_DB,
    workspace: Workspace | None = None,
    keep: bool | None = None,
) -> Gain:
    """The gain that brings ``samples`` to ``target_lufs`` (``None``: their own loudness)
    with the true peak under ``ceiling_db`` (1 for silence).

    The limiter aims ``HEADROOM`` dB under the ceiling; the loudness it takes away is made
    up afterwards by at most that much, so the ceiling holds without a second limiter pass.
    When it takes more, the limiter aims lower by what it took (up to ``ROUNDS`` times), so
    a peaky clip ends at the target as a smooth one does. The limiter's gain moves slowly
    (5 ms), so the K-weighted limited signal is the K-weighted signal times that gain, to
    well under 0.1 LU; its block energies are those of the signal corrected only where the
    limiter dips (``_dipped_energies``).

    Work memory: the dips and, for a clip of up to ``KEEP_BYTES``, its K-weighted copy and
    its peaks (reading them again around dips would cost more than it saves; ``keep`` says
    which way, by size if None - both give the same gain). No copy of a longer clip: its
    peaks are read a stretch at a time (``PeakReader``) and its weighted signal is made
    again only around dips (``_filtered_parts``). The K-weighting runs in ``workspace`` (at
    ``rate``): a measurement that levels the clips it mixes lends its own, so there are
    never two; without one, a light one is made.
    """
    if workspace is None:
        workspace = Workspace(rate, light=True)
    weighting = KWeighting(rate, workspace=workspace)
    keep = samples.nbytes <= KEEP_BYTES if keep is None else keep
    weighted = k_weight(samples, rate, dtype=np.float32, workspace=workspace) if keep else None
    found = energies(samples, weighting) if weighted is None else weighted_energies(weighted, rate)
    level = gated_loudness(found)
    if not np.isfinite(level):
        return Gain(1.0, [], len(samples))
    target = level if target_lufs is None else target_lufs
    scale = gain(target - level)
    headroom = HEADROOM
    dips: list[tuple[int, np.ndarray]] = []
    for round_ in range(ROUNDS):
        aim = ceiling_db - headroom - db(scale)  # the ceiling before the scale
        dips = []  # the last round's are let go before new ones are made: work memory
        floor = gain(aim - 6.0)
        peaks = (
            oversampled_peaks(samples, floor, rate) if keep else PeakReader(samples, floor, rate)
        )
        dips = limiter_dips(peaks, aim, rate=rate)
        del peaks
        if weighted is None:
            parts = _filtered_parts(samples, dips, weighting)
        else:
            parts = ((start, weighted[start : start + len(dip)], dip) for start, dip in dips)
        limited = _dipped_energies(found, parts, len(samples), rate) * scale**2
        loss = target - gated_loudness(limited)
        if loss <= headroom or round_ == ROUNDS - 1:
            break
        headroom = loss + HEADROOM  # limit deeper, to make up more
    # never more make-up than the headroom the limiter kept: the ceiling holds
    top = np.float32(scale * gain(min(headroom, max(loss, 0.0))))
    for _, dip in dips:
        dip *= top
    return Gain(float(top), dips, len(samples))


def leveled(
    samples: np.ndarray,
    target_lufs: float | None,
    ceiling_db: float = CLIP_CEILING_DB,
    workspace: Workspace | None = None,
    in_place: bool = False,
) -> np.ndarray:
    """``samples`` (float32, at ``RATE``) times their ``leveling_gain``: at ``target_lufs``
    (``None``: keeping their loudness) with true peaks under ``ceiling_db``. A copy, or
    ``samples`` themselves changed ``in_place``."""
    out = samples if in_place else samples.astype(np.float32, copy=True)
    leveling_gain(out, target_lufs, RATE, ceiling_db, workspace).apply(out)
    return out


def _dipped_energies(
    energies: np.ndarray,
    parts: Iterable[tuple[int, np.ndarray, np.ndarray]],
    frames: int,
    rate: int,
) -> np.ndarray:
    """Block energies of a K-weighted signal of ``frames`` times a gain that is 1 but in some
    dips, from its ``energies``: each block corrected by what the dips take from it.
    ``parts``: ``(first frame, weighted signal, gain)`` for every stretch of the dips."""
    starts, block = block_grid(frames, rate)
    out = energies.copy()
    for begin, weighted, gains in parts:
        taken = np.square(weighted, dtype=np.float64)
        taken *= np.square(gains, dtype=np.float64) - 1.0
        running = np.concatenate(([0.0], np.cumsum(taken)))  # taken before each frame
        first = np.clip(starts - begin, 0, len(taken))
        last = np.clip(starts + block - begin, 0, len(taken))
        out += (running[last] - running[first]) / block
    return out


def _filtered_parts(
    samples: np.ndarray, dips: list[tuple[int, np.ndarray]], weighting: KWeighting
) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """``(first frame, K-weighted samples, gain)`` for every stretch of ``dips``, the
    weighted signal made again only there, a second at a time (the part is the filter's
    buffer: used before the next).

    The filter is a FIR of ``taps`` taps, so ``taps - 1`` frames before a dip are all the
    context it needs to be exact. Where the next dip is less than an FFT chunk further on,
    the filter runs on through the gap rather than start again from rest (cheaper).
    """
    context, chunk, rate = weighting.taps - 1, weighting.hop, weighting.rate
    index = 0
    while index < len(dips):
        last = index  # the last dip of this run of the filter
        while last + 1 < len(dips) and dips[last + 1][0] - _end(dips[last]) < context + chunk:
            last += 1
        weighting.reset()
        position, stop = max(0, dips[index][0] - context), _end(dips[last])
        while position < stop:
            until = min(stop, position + rate)  # a second at a time
            weighted = weighting(samples[position:until])
            while index <= last and dips[index][0] < until:
                start, dip = dips[index]
                begin, end = max(start, position), min(_end(dips[index]), until)
                if end > begin:
                    yield (
                        begin,
                        weighted[begin - position : end - position],
                        dip[begin - start : end - start],
                    )
                if _end(dips[index]) > until:
                    break  # the rest of this dip comes with the next part
                index += 1
            position = until
        index = last + 1


def _end(dip: tuple[int, np.ndarray]) -> int:
    return dip[0] + len(dip[1])
