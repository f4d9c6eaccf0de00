"""Mix a plan's clips into one signal, block by block, at one global gain.

Every event's clip starts at frame ``round(event.at * RATE)`` of the session; the session lasts
``round(plan.length * RATE)`` frames. The mix is produced in fixed-size blocks, so memory holds
one block plus the clips sounding in it, however long the session is. Nothing is cut: a clip
that would run past the plan's end is a ``ValueError`` (the plan promises it cannot happen).

Loudness: every clip is already normalized (speech -16 LUFS, chimes -18 LUFS, true peak under
-3 dBTP), so the session needs one gain, never a compressor. ``level`` measures the session's
integrated loudness (ITU-R BS.1770-4) only where there is sound - blocks of pure silence fall
under the -70 LUFS absolute gate anyway - and returns a ``clip_for`` that applies the gain
that brings it to -16 LUFS. A clip that the gain would push over the true-peak ceiling
(-1 dBTP) is limited again, alone, so the ceiling holds for the whole session.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from voiceguide import interrupts
from voiceguide.audio import RATE, Clip, add_under, gain
from voiceguide.audio.clips import SPEECH_LUFS
from voiceguide.audio.leveling import MIX_CEILING_DB, ROUNDS, leveled
from voiceguide.audio.loudness import (
    BLOCK,
    HOP,
    KWeighting,
    Workspace,
    gated_loudness,
    k_weight,
    loudness,
    streamed_energies,
)
from voiceguide.audio.peaks import true_peak_db
from voiceguide.choices import ExportFormat
from voiceguide.plan import BedEnvelope, Event, EventKind, Plan

if TYPE_CHECKING:
    from voiceguide.bed import BedSource

ClipFor = Callable[[Event], Clip]
Layer = Callable[[np.ndarray, int], None]  # adds its frames from the 2nd argument into the 1st

BLOCK_SECONDS = 4.0  # big enough to keep Python out of the way, small enough for every encoder
TARGET_LUFS = SPEECH_LUFS
CEILING_DB = MIX_CEILING_DB[ExportFormat.WAV]  # true-peak ceiling of a lossless session, dBTP
_MERGE_GAP = 1.0  # seconds: sounds closer than this share gating blocks, so measure them together
_MEASURE_BLOCK = 1.0  # seconds mixed and K-weighted at a time when measuring (whole hops)
_SHAPED = 12.0  # seconds: an island up to this long is measured whole, once however often it recurs
CACHE_BYTES = 2 * 2**20  # clips kept in memory between events (~10 s of audio)
# dB a clip's true peak may stray over the ceiling it is made under (the clip limiter aims
# 1.5 dB under it, at the engine's rate) before ``level`` measures every clip's true peak
PEAK_MARGIN_DB = 0.5


def frames(seconds: float) -> int:
    """The frame nearest to ``seconds`` from the session start."""
    return round(seconds * RATE)


def total_frames(plan: Plan) -> int:
    """Frames in the whole session: ``round(plan.length * RATE)``."""
    return frames(plan.length)


def mix_at(buffer: np.ndarray, samples: np.ndarray, at: int) -> None:
    """Add ``samples`` into ``buffer`` (in place), its first frame at frame ``at`` of ``buffer``.

    ``buffer`` is a window onto a longer signal: ``at`` may be negative or past its end, and
    only the frames that fall inside the window are added. Callers that mix a whole signal
    window by window (as ``blocks`` does) add every clip to every window it touches, so
    nothing is lost; a caller that wants the whole clip must check that it fits.
    """
    first, last = max(at, 0), min(at + len(samples), len(buffer))
    if first < last:
        buffer[first:last] += samples[first - at : last - at]


def _checked(plan: Plan, event: Event, clip: Clip) -> tuple[int, np.ndarray]:
    at = frames(event.at)
    if at < 0 or at + clip.frames > total_frames(plan):
        what = repr(event.text) if event.kind == EventKind.SPEECH else event.sounded.name
        raise ValueError(
            f"{event.kind} {what} at {event.at:.3f}s lasts {clip.duration:.3f}s, past the "
            f"plan's end at {plan.length:.3f}s; a plan must end every event before its end"
        )
    return at, clip.samples


def blocks(
    plan: Plan,
    clip_for: ClipFor,
    start: float = 0.0,
    end: float | None = None,
    block_seconds: float = BLOCK_SECONDS,
    reuse: bool = False,
    events: Sequence[Event] | None = None,
    bed: Layer | None = None,
) -> Iterator[np.ndarray]:
    """The session from ``start`` to ``end`` seconds (default: the whole), mixed in blocks.

    Yields new float32 mono arrays of ``block_seconds`` (the last one shorter) covering frames
    ``frames(start)`` to ``frames(end)`` exactly, so consecutive windows (split tracks cut at
    step boundaries) concatenate to the whole session. ``clip_for`` is called once per event,
    when the block that holds its first frame is mixed; only the clips sounding in the current
    block are kept. A clip that runs past the plan's end raises ``ValueError``. With
    ``reuse``, every block is the same array refilled: for a consumer that is done with a
    block before it asks for the next (an encoder), it spares a fresh allocation per block.
    ``events``: the plan's events to mix, in time order, if the caller knows which sound in
    the window (default: found in the plan, a scan of all its events). ``bed``: a layer
    mixed under the clips (``BedLayer``), given each block and the session frame it starts at.
    """
    first = frames(start)
    last = total_frames(plan) if end is None else frames(end)
    if not 0 <= first <= last <= total_frames(plan):
        raise ValueError(f"window {start}..{end} s is not inside the plan (0..{plan.length} s)")
    size = max(1, frames(block_seconds))
    if events is None:
        events = [e for e in plan.events if frames(e.end) + 1 >= first and frames(e.at) < last]
    pending = 0
    sounding: list[tuple[int, np.ndarray]] = []
    block = np.zeros(0, dtype=np.float32)
    for begin in range(first, last, size):
        interrupts.check()  # a signal lost in a C callback (a clip or bed read) ends it here
        stop = min(begin + size, last)
        while pending < len(events) and frames(events[pending].at) < stop:
            event = events[pending]
            sounding.append(_checked(plan, event, clip_for(event)))
            pending += 1
        if reuse and len(block) == stop - begin:
            block.fill(0.0)
        else:
            block = np.zeros(stop - begin, dtype=np.float32)
        for at, samples in sounding:
            mix_at(block, samples, at - begin)
        if bed is not None:  # after the clips: it is held under the ceiling they leave
            bed(block, begin)
        sounding = [(at, s) for at, s in sounding if at + len(s) > stop]
        yield block


def islands(
    plan: Plan, clip_for: ClipFor, gap: float = _MERGE_GAP
) -> Iterator[tuple[int, int, list[Event]]]:
    """``(first, last, events)``: the frame spans where sound is, events less than ``gap`` s
    apart merged, with the events sounding in each."""
    span: list[int] | None = None
    members: list[Event] = []
    for event in plan.events:
        at, samples = _checked(plan, event, clip_for(event))
        if span is not None and at - span[1] < frames(gap):
            span[1] = max(span[1], at + len(samples))
            members.append(event)
            continue
        if span is not None:
            yield span[0], span[1], members
        span, members = [at, at + len(samples)], [event]
    if span is not None:
        yield span[0], span[1], members


def measure(plan: Plan, clip_for: ClipFor, workspace: Workspace | None = None) -> float:
    """Integrated loudness (LUFS, BS.1770-4) of the mixed session, computed cheaply.

    The gating blocks (400 ms every 100 ms from the session start) that touch no sound hold
    silence, which the -70 LUFS absolute gate removes; so only the blocks around each island
    of sound are measured, on the same block grid as a whole-session meter. Sounds less than
    ``_MERGE_GAP`` apart are measured together, so no block counts twice. An island that
    recurs (the same clips at the same distances: a step's chime and instruction, a cue) is
    mixed and K-weighted once, its blocks read from the running sum of its squares wherever
    it falls on the grid; one longer than ``_SHAPED`` is mixed and K-weighted block by block
    (``KWeighting``). Work memory: an island of ``_SHAPED`` at most (a few MB) and a few FFT
    buffers (``workspace``, made if None), the same for 10 minutes as for 8 hours. The filter
    starts at rest 0.4 s before an island: the previous one ended at least ``_MERGE_GAP``
    earlier, and the filter's ring-out lasts 0.17 s.
    """
    block, hop, total = frames(BLOCK), frames(HOP), total_frames(plan)
    if total <= 2 * block:
        return loudness(np.concatenate(list(blocks(plan, clip_for))))
    energies = []
    shapes: dict[tuple[object, ...], tuple[list[Event], list[tuple[int, int, int]]]] = {}
    # clip_for may level a clip meanwhile, in the same workspace (a stream of its own)
    weighting = KWeighting(RATE, workspace=workspace)
    for first, last, events in islands(plan, clip_for):
        begin = max(0, first - block) // hop * hop
        stop = min(total, last + block + hop)
        if last - first <= frames(_SHAPED):
            shape = tuple((e.clip_key, frames(e.at) - first) for e in events)
            shapes.setdefault(shape, (events, []))[1].append((first, begin, stop))
            continue
        weighting.reset()
        parts = blocks(
            plan, clip_for, begin / RATE, stop / RATE, _MEASURE_BLOCK, reuse=True, events=events
        )
        energies.append(streamed_energies(weighting(part) for part in parts))
    for events, places in shapes.values():
        sums = _square_sums(plan, clip_for, events, workspace)
        for first, begin, stop in places:
            starts = np.arange(begin, begin + ((stop - begin) // hop - 3) * hop, hop) - first
            ends = np.clip(starts + block, 0, len(sums) - 1)
            energies.append((sums[ends] - sums[np.clip(starts, 0, len(sums) - 1)]) / block)
    return gated_loudness(np.concatenate(energies)) if energies else -np.inf


def _square_sums(
    plan: Plan, clip_for: ClipFor, events: list[Event], workspace: Workspace | None
) -> np.ndarray:
    """The running sum of squares of an island's K-weighted mix (ring-out included), from
    0 at its first event's first frame: frames ``a`` to ``b`` hold ``sums[b] - sums[a]``."""
    first = frames(events[0].at)
    last = max(frames(e.at) + clip_for(e).frames for e in events)
    mixed = np.concatenate(list(blocks(plan, clip_for, first / RATE, last / RATE, events=events)))
    weighted = k_weight(mixed, RATE, tail=True, workspace=workspace)
    del mixed
    np.square(weighted, out=weighted)
    return np.concatenate(([0.0], np.cumsum(weighted, out=weighted)))


@dataclass(frozen=True)
class Level:
    """What ``level`` did: loudness before (``measured``) and after (``lufs``) the ``gain_db``,
    the mix's true peak (dBTP, before encoding) and how many distinct clips were limited."""

    measured: float
    gain_db: float
    lufs: float
    true_peak: float
    limited: int


class Cached:
    """A ``clip_for`` that remembers recent distinct clips (by text or sound), up to
    ``budget`` bytes, so repeated cues and the several passes read each clip once."""

    def __init__(self, clip_for: ClipFor, budget: int = CACHE_BYTES):
        self.source = clip_for
        self.budget = budget
        self._clips: OrderedDict[tuple[object, ...], Clip] = OrderedDict()
        self._bytes = 0

    def __call__(self, event: Event) -> Clip:
        key = event.clip_key
        if key in self._clips:
            self._clips.move_to_end(key)
            return self._clips[key]
        clip = self._clips[key] = self.make(event)
        self._bytes += clip.samples.nbytes
        while self._bytes > self.budget and len(self._clips) > 1:
            self._bytes -= self._clips.popitem(last=False)[1].samples.nbytes
        return clip

    def make(self, event: Event) -> Clip:
        return self.source(event)


class Leveled(Cached):
    """A ``clip_for`` that returns every clip at ``gain_db``, limited to ``ceiling_db`` dBTP
    where the gain pushes its true peak over. ``peak``: the highest true peak (dBTP) of the
    clips handed out (at most ``ceiling_db`` for a limited one); ``limited``: the clips that
    needed the limiter. ``peaks`` (dBTP by clip, before the gain) may be shared between
    instances, so a clip's true peak is measured once."""

    def __init__(
        self,
        clip_for: ClipFor,
        gain_db: float,
        ceiling_db: float = CEILING_DB,
        peaks: dict[tuple[object, ...], float] | None = None,
        workspace: Workspace | None = None,
    ):
        super().__init__(clip_for)
        self.workspace = workspace
        self.gain_db = gain_db
        self.ceiling_db = ceiling_db
        self.peaks = {} if peaks is None else peaks
        self.limited: set[tuple[object, ...]] = set()
        self.peak = -np.inf

    def make(self, event: Event) -> Clip:
        source = self.source(event).samples
        if event.kind == EventKind.PULSE:  # under the speech, at its own gain: nothing to limit
            return Clip(source * np.float32(gain(self.gain_db)))
        key = event.clip_key
        if key not in self.peaks:
            self.peaks[key] = true_peak_db(source)
        samples = source * np.float32(gain(self.gain_db))
        del source  # let go of it (unless cached upstream) before limiting: work memory
        peak = self.peaks[key] + self.gain_db
        if peak > self.ceiling_db:
            # limiting takes loudness away, more from a peaky clip than from a smooth one,
            # which would make spoken cues unequal: leveling limits deeper and makes it up
            samples = leveled(samples, None, self.ceiling_db, self.workspace, in_place=True)
            peak = self.ceiling_db  # at most: the limiter aims a little under it
            self.limited.add(key)
        self.peak = max(self.peak, peak)
        return Clip(samples.astype(np.float32, copy=False))


def level(
    plan: Plan,
    clip_for: ClipFor,
    target_lufs: float = TARGET_LUFS,
    ceiling_db: float = CEILING_DB,
    clip_ceiling_db: float | None = None,
) -> tuple[Leveled, Level]:
    """One gain for the whole session: ``(leveled clip_for, Level report)``.

    Measures the session's speech and chimes (the pace guide's beats sit under the speech at
    their own gain, and do not move it), then wraps ``clip_for`` so every clip gets the gain
    that brings the session to ``target_lufs``. Where the gain pushes a clip's true peak over
    ``ceiling_db`` that clip is limited, which takes a little loudness away; then the session
    is measured again and the gain raised by what was lost (at most ``leveling.ROUNDS`` times, until
    within 0.1 LU). A silent session gets no gain. One K-weighting workspace serves the
    measurements and the clips leveled meanwhile. Every clip is fetched here, so a clip that runs
    past the plan's end raises ``ValueError`` before anything is written.

    ``clip_ceiling_db``: the true peak (dBTP) every clip is known to stay under (a session's
    clips are made under ``leveling.CLIP_CEILING_DB``). When the gain cannot bring a clip
    within ``PEAK_MARGIN_DB`` of ``ceiling_db``, no clip's true peak is measured here: none
    will be limited, the gain stands, and the first block is ready after the loudness
    measurement alone (a served session's first byte). Each clip's true peak is still
    measured when the clip is first handed out, and one that strays over the ceiling is
    limited then (the gain is not raised for it: the session stays under the ceiling, and
    ``Leveled.limited`` says which). ``Level.true_peak`` is then the bound, not a measure.
    """
    work = Workspace(RATE)
    voiced = voice_only(plan)
    source = Cached(clip_for)  # measuring reads each clip twice (islands, then the mix)
    measured = measure(voiced, source, work)
    gain_db = target_lufs - measured if np.isfinite(measured) else 0.0
    peaks: dict[tuple[object, ...], float] = {}
    if clip_ceiling_db is not None and clip_ceiling_db + gain_db + PEAK_MARGIN_DB <= ceiling_db:
        wrapped = Leveled(clip_for, gain_db, ceiling_db, peaks, work)
        bound = clip_ceiling_db + gain_db if np.isfinite(measured) else -np.inf
        return wrapped, Level(measured, gain_db, measured + gain_db, bound, 0)
    # each distinct clip once, the longest first: the limiter's work memory is largest for
    # them, and the shorter ones then fit in what they freed (heap growth, not live memory)
    firsts = {event.clip_key: event for event in reversed(voiced.events)}
    distinct = sorted(firsts.values(), key=lambda event: -event.duration)
    del source  # from here the leveled copies are cached, not the clips they are made from
    for _ in range(ROUNDS):
        wrapped = Leveled(clip_for, gain_db, ceiling_db, peaks, work)
        for event in distinct:
            wrapped(event)
        if not wrapped.limited:
            lufs = measured + gain_db
            break
        lufs = measure(voiced, wrapped, work)
        if abs(target_lufs - lufs) < 0.1:
            break
        gain_db += target_lufs - lufs
    return wrapped, Level(measured, gain_db, lufs, wrapped.peak, len(wrapped.limited))


class BedLayer:
    """The sound bed as a mix's layer: the source's frames (calibrated to the speech's
    loudness) at the plan's envelope (``plan.bed``: dB against the speech) plus the
    session's ``gain_db``. Read by session frame, so a split's tracks and a whole export
    hold the same bed at the same time; nothing is read where the envelope is silent."""

    def __init__(self, source: BedSource, envelope: BedEnvelope, gain_db: float):
        self.source, self.envelope, self.gain = source, envelope, gain(gain_db)
        self.cut = 0  # bed samples held under the ceiling (``audio.add_under``)

    def __call__(self, block: np.ndarray, first: int) -> None:
        gains = self.envelope.gains(first, len(block), RATE)
        if not isinstance(gains, np.ndarray):  # one gain for the whole block
            if gains == 0.0:
                return
            samples = self.source.read(first, len(block))
            samples *= np.float32(gains * self.gain)
        else:
            if not gains.any():
                return
            samples = self.source.read(first, len(block))
            samples *= gains
            samples *= np.float32(self.gain)
        self.cut += add_under(block, samples)


def bed_layer(prepared_bed: BedSource | None, plan: Plan, gain_db: float) -> BedLayer | None:
    """The bed of a session (``Session.bed``, the plan's envelope) at the session's gain,
    or None when no bed plays."""
    if prepared_bed is None or plan.bed is None:
        return None
    return BedLayer(prepared_bed, plan.bed, gain_db)


def voice_only(plan: Plan) -> Plan:
    """``plan`` without the pace guide's beats: what the session's level is measured on."""
    if not any(event.kind == EventKind.PULSE for event in plan.events):
        return plan
    voiced = tuple(e for e in plan.events if e.kind != EventKind.PULSE)
    return dataclasses.replace(plan, events=voiced)
