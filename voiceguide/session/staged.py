"""A session that begins before all of its speech is rendered (``voiceguide play``, cold).

The times of a plan after its first step begins depend on every text's duration: the fit
shares out what the intro, the closing and each step's instruction leave. So with a cold
cache nothing could sound before the last text was rendered (1.9 s with espeak-ng, 9-15 s
with Piper for the back massage). ``begin`` renders the texts in the order they are heard,
in a thread, and returns as soon as the first are rendered: a ``Staged`` session whose
``plan`` holds only the events before its ``horizon`` (seconds from the session start),
which are the whole plan's events exactly, whatever the other texts turn out to take.
``ready()`` gives the whole ``Session`` once the last text is rendered; a player plays the
staged plan to the horizon and takes the whole one there (``live.follow``).

Why the events before the horizon cannot change: the intro is laid out from its own
duration alone, and the first step begins where it ends; that step's chime rings at its
start and its instruction follows the chime, neither depending on the fit. What does depend
on it comes later: a cue waits for the instruction's end (``plan.GAP`` after it), and the
pace guide's first beat is at least ``CHIME_CLEARANCE`` after the chime (at the step's start
without one). The bed's envelope up to the horizon depends on the speech before it and on
the start of the instruction after it, which are known; the bed's level depends on the
session's length, so a session with a bed begins early only when its length is fixed.
A get-ready (an intro written as a part) is fitted like a step, so its end is not certain:
such a session is staged up to the end of the get-ready's words (``_get_ready_horizon``).
A get-ready that opens with a chime at 0:00 needs no speech to begin: its words start where
the chime ends (``AFTER_CHIME`` after it), whatever they take, so the session begins with
the chime alone, staged up to the words' start, and grows (``Staged.grown``) up to their end
once they are rendered: the first sound waits for no engine. The first text renders alone,
the rest after it on every worker (a second Piper process loading its voice would take the
core the first text renders on).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from pathlib import Path

from voiceguide import plan, speech
from voiceguide.audio import Clip
from voiceguide.bed import BedSource
from voiceguide.errors import VoiceguideError
from voiceguide.plan import EventKind, StepKind
from voiceguide.plan.pulses import CHIME_CLEARANCE
from voiceguide.routine import instruction
from voiceguide.session.inputs import bed_spec
from voiceguide.session.options import Options
from voiceguide.session.prepare import Ready, Session, planned, readied

SECONDS_PER_CHARACTER = 0.075  # a text's guessed length before any is rendered (160 wpm)
STOP_SECONDS = 10.0  # the longest wait for the rendering thread to end once stopped


class _Stopped(Exception):
    """Raised in the rendering thread when the session has ended."""


def begin(
    name_or_path: str,
    options: Options,
    renderer: speech.Engines | speech.Renderer,
    cache_dir: Path | None = None,
    on_ready: Callable[[Session], object] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Session | Staged:
    """``session.prepare``, but with a cold cache a ``Staged`` session as soon as what it
    begins with is rendered (the rest renders in a thread). A ``Session`` when nothing is
    missing, when the session cannot begin early (a bed under a routine of no fixed
    length), or when its plan cannot be guessed yet; then every text is rendered first.
    The same errors as ``prepare``: those of the whole plan (a length the speech does not
    leave room for) come from ``Staged.ready`` instead. ``on_ready(session)`` is called
    with the whole session in the rendering thread when a staged one's is ready (its plan's
    warnings are known only then). ``progress(done, total)`` as ``prepare``'s, but only until
    this returns (then the session shows, not the render)."""
    ready = readied(name_or_path, options, renderer, cache_dir)
    texts = ready.loaded.texts()
    fixed = options.length is not None or ready.loaded.length is not None
    if not ready.cache.missing(texts) or (bed_spec(ready.loaded, options)[0] and not fixed):
        return planned(ready, ready.cache.durations(texts, progress))
    rendering = _Rendering(ready, _heard_order(ready), on_ready, progress)
    try:
        first = _provisional(ready, rendering.wait_for(_needed(ready)))
        if first is None:  # wait for all of it, as prepare does (the caller warns of it all)
            rendering.start_planning(None, tell=False)
            return rendering.wait()
    except BaseException:  # Ctrl-C: the renders stop before the engines close
        rendering.stop()
        raise
    rendering.start_planning(first[0].bed)
    return Staged(first[0], first[1], rendering, _awaited(ready, first[0]))


class Staged:
    """A session whose ``plan`` is exact before ``horizon`` seconds and empty after it; the
    whole ``Session`` comes from ``ready()`` (None until its speech is rendered). One that
    began before its get-ready's words were rendered (an opening chime: ``awaited``) grows
    once they are: ``grown()`` then gives the plan exact up to their end."""

    def __init__(
        self,
        first: Session,
        horizon: float,
        rendering: _Rendering,
        awaited: str | None = None,
    ):
        self.first = first
        self.plan = first.plan
        self.timing = first.timing
        self.bed = first.bed
        self.written = first.written
        self.speech = first.speech
        self.horizon = horizon
        self._rendering = rendering
        self._awaited = awaited  # the text whose render lets the staged plan grow
        self._grown: tuple[Session, float] | None = None
        self._lock = threading.Lock()
        if awaited is not None:
            rendering.watch(self._grow)

    def _grow(self, known: dict[str, float]) -> None:
        """In the rendering thread, as each text is rendered: once the awaited one is, the
        staged session up to a later horizon (kept for ``grown``)."""
        with self._lock:
            if self._awaited is None or self._awaited not in known:
                return
            self._awaited = None
        made = _provisional(self._rendering.inputs, known, self.bed)
        if made is not None and made[1] > self.horizon:
            with self._lock:
                self._grown = made

    def grown(self) -> bool:
        """Whether the staged plan has grown since asked last: then ``plan``, ``timing`` and
        ``horizon`` are the larger ones (the old plan's events are its first ones)."""
        with self._lock:
            made, self._grown = self._grown, None
        if made is None:
            return False
        self.first, self.horizon = made
        self.plan, self.timing = self.first.plan, self.first.timing
        return True

    def clip(self, event: plan.Event) -> Clip:
        """The event's audio (only rendered speech is asked for before ``ready``)."""
        return self.first.clip(event)

    def ready(self) -> Session | None:
        """The whole session, or None while its speech renders; raises what rendering or
        planning it raised (a ``VoiceguideError``)."""
        return self._rendering.result()

    def wait(self) -> Session:
        """The whole session, once its speech is rendered."""
        return self._rendering.wait()

    def close(self) -> None:
        """Stop rendering, if it is still under way (the session ended first); call before
        the engines are closed."""
        self._rendering.stop()

    @property
    def rendered(self) -> tuple[int, int]:
        """Texts rendered so far, and how many there are to render."""
        return self._rendering.counts()


def whole(prepared: Session | Staged) -> Session:
    """The whole session of ``prepared`` (waiting for a staged one's speech)."""
    return prepared.wait() if isinstance(prepared, Staged) else prepared


class _Rendering:
    """The texts rendered in a thread, in the order given; then the whole session planned
    there too (its bed the staged session's, so that it is opened once)."""

    def __init__(
        self,
        ready: Ready,
        order: list[str],
        on_ready: Callable[[Session], object] | None,
        progress: Callable[[int, int], None] | None = None,
    ):
        self._ready = self.inputs = ready
        self._on_ready = on_ready
        self._hook: Callable[[dict[str, float]], object] | None = None
        self._progress = progress
        self._todo = ready.cache.missing(order)
        self._known = {t: s for t in order if (s := ready.cache.seconds(t)) is not None}
        self._cond = threading.Condition()
        self._bed: BedSource | None = None
        self._planning = False
        self._session: Session | None = None
        self._error: BaseException | None = None
        self._done = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="voiceguide-render", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            spoken = self._first_then_rest()
            with self._cond:
                while not self._planning:
                    self._cond.wait()
                spoken, tell = {**self._known, **spoken}, self._on_ready
                if self._stopping:
                    raise _Stopped
            made = planned(self._ready, spoken, self._bed)
            if tell is not None:
                tell(made)
            with self._cond:
                self._session = made
        except BaseException as exc:  # handed to whoever asks for the session
            with self._cond:
                self._error = exc
        finally:
            with self._cond:
                self._done = True
                self._cond.notify_all()

    def _first_then_rest(self) -> dict[str, float]:
        """Seconds of every text rendered: the first alone (one worker, the other core
        left to the session's start and to the engine loading its voice), then the rest
        (every worker): what the session begins with is ready sooner."""
        cache, total, first = self._ready.cache, len(self._todo), self._todo[:1]
        shown = lambda done, _: self._progressed(done, total)  # noqa: E731
        spoken = cache.durations(first, shown, self._rendered)
        after = lambda done, _: self._progressed(done + len(first), total)  # noqa: E731
        return {**spoken, **cache.durations(self._todo[1:], after, self._rendered)}

    def _rendered(self, text: str, seconds: float) -> None:
        with self._cond:
            if self._stopping:
                raise _Stopped
            self._known[text] = seconds
            self._cond.notify_all()
            hook, known = self._hook, dict(self._known)
        if hook is not None:  # outside the lock: it plans (``Staged._grow``)
            hook(known)

    def watch(self, hook: Callable[[dict[str, float]], object]) -> None:
        """Call ``hook(seconds of every text rendered so far)`` now and, in the rendering
        thread, after each text is rendered."""
        with self._cond:
            self._hook, known = hook, dict(self._known)
        hook(known)

    def _progressed(self, done: int, total: int) -> None:
        with self._cond:  # held while it shows: none shows once the session has begun
            if self._progress is not None and not self._planning:
                self._progress(done, total)

    def stop(self, seconds: float = STOP_SECONDS) -> None:
        """Stop rendering and wait (at most ``seconds``) until the thread has ended: its
        workers killed, whatever they were writing removed."""
        with self._cond:
            self._stopping = self._planning = True
            self._cond.notify_all()
        self._ready.cache.renderer.stop()
        self._thread.join(seconds)

    def wait_for(self, texts: list[str]) -> dict[str, float]:
        """The seconds of every text rendered so far, once ``texts`` are (or the rendering
        ended: then ``result`` says why)."""
        with self._cond:
            while not self._done and any(t not in self._known for t in texts):
                self._cond.wait()
            return dict(self._known)

    def start_planning(self, bed: BedSource | None, tell: bool = True) -> None:
        """Plan the whole session once its speech is rendered, with ``bed`` (a source);
        ``on_ready`` is called unless ``tell`` is False."""
        with self._cond:
            self._bed, self._planning = bed, True
            self._on_ready = self._on_ready if tell else None
            self._cond.notify_all()

    def result(self) -> Session | None:
        with self._cond:
            if self._error is not None:
                raise self._error
            return self._session

    def wait(self) -> Session:
        with self._cond:
            while not self._done:
                self._cond.wait()
        made = self.result()
        assert made is not None
        return made

    def counts(self) -> tuple[int, int]:
        with self._cond:
            return sum(t in self._known for t in self._todo), len(self._todo)


def _heard_order(ready: Ready) -> list[str]:
    """Every text, those the session begins with first, then in the order first heard."""
    return list(dict.fromkeys(_needed(ready) + ready.loaded.texts()))


def _needed(ready: Ready) -> list[str]:
    """The texts the staged plan is made of: the intro, and the first step's instruction
    when no pace guide's beat can come before it (``_horizon``); none when a get-ready
    rings an opening chime (the session begins with it, the words come after it: their
    start does not depend on them)."""
    loaded = ready.loaded
    if loaded.get_ready is not None and loaded.get_ready.chime is not None:
        return []
    texts = [loaded.intro] if loaded.intro else []
    if loaded.steps and not (loaded.steps[0].pace and ready.options.pace > 0):
        texts.append(instruction(loaded.steps[0], (loaded.steps[0].sides or (None,))[0]))
    return texts


def _provisional(
    ready: Ready, known: dict[str, float], bed: BedSource | None = None
) -> tuple[Session, float] | None:
    """The session as far as ``known`` speech decides it, and its horizon (seconds); None
    when the routine's first step cannot be placed yet (no intro, nothing before a beat) or
    a plan cannot be guessed (the guessed lengths do not fit). ``bed``: the bed opened
    before for it (else it is opened)."""
    if not ready.loaded.steps or any(t not in known for t in _needed(ready)):
        return None
    try:
        guessed = planned(ready, _guesses(ready.loaded.texts(), known), bed)
    except VoiceguideError:
        return None
    horizon = _horizon(guessed, known)
    if horizon <= 0:
        return None
    events = tuple(e for e in guessed.plan.events if e.at < horizon)
    staged = dataclasses.replace(guessed.plan, events=events, warnings=())
    return dataclasses.replace(guessed, plan=staged), horizon


def _guesses(texts: list[str], known: dict[str, float]) -> dict[str, float]:
    """``known`` seconds, and for each other text a guess at the same speed."""
    characters = sum(len(t) for t in known)
    speed = sum(known.values()) / characters if characters else SECONDS_PER_CHARACTER
    return {t: known.get(t, len(t) * speed) for t in texts}


def _horizon(guessed: Session, known: dict[str, float]) -> float:
    """Seconds up to which ``guessed``'s plan is the whole plan's (see the module's
    docstring): the first step's start, its chime's clearance on when it has a pace guide,
    else up to its instruction (through it and the gap after it once it is ``known``)."""
    steps = guessed.plan.steps
    if guessed.routine.get_ready is not None:
        return _get_ready_horizon(guessed, known)
    first = next(i for i, part in enumerate(steps) if part.kind == StepKind.STEP)
    part, step = steps[first], guessed.routine.steps[0]
    if part.pace is not None:
        return part.start + (CHIME_CLEARANCE if step.chime is not None else 0.0)
    said = instruction(step, part.side)
    spoken = next(
        e
        for e in guessed.plan.events
        if e.step == first and e.kind == EventKind.SPEECH and e.text == said
    )
    return spoken.end + plan.GAP if said in known else spoken.at


def _get_ready_horizon(guessed: Session, known: dict[str, float]) -> float:
    """The horizon of a session that opens with a get-ready (an intro written as a part):
    its length comes from the fit, which other texts can change (an outro written as text,
    a part held at its floor), so only its words are certain: the horizon is where they
    end (the bed's rise after them may depend on the first step's start), or, before they
    are rendered, where they begin (after an opening chime: ``_needed``). A get-ready with
    a pace guide has beats laid out over its uncertain length: 0, nothing is staged."""
    ready = guessed.plan.steps[0]
    words = [e for e in guessed.plan.events if e.step == 0 and e.kind == EventKind.SPEECH]
    if ready.pace is not None or not words:
        return 0.0
    return words[0].end if words[0].text in known else words[0].at


def _awaited(ready: Ready, first: Session) -> str | None:
    """The get-ready's words when the staged plan ``first`` stops where they begin (they
    were not rendered yet): once they are, it can grow to their end (``Staged.grown``)."""
    intro = ready.loaded.intro
    if ready.loaded.get_ready is None or not intro:
        return None
    said = any(e.kind == EventKind.SPEECH and e.text == intro for e in first.plan.events)
    return None if said else intro
