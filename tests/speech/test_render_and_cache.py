"""Speech rendering through the Synthesizer protocol, and the content-addressed cache."""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voiceguide import audio, resources, speech, store
from voiceguide.audio import clips, leveling, peaks
from voiceguide.audio import loudness as meter
from voiceguide.errors import RoutineError, SpeechError, UsageError
from voiceguide.routine import Voice
from voiceguide.session import prepared
from voiceguide.speech import cache as clipcache
from voiceguide.testing import procs
from voiceguide.testing.fakes import ToneSynth

VOICE = Voice("fake/en-us", 160, None)


def cache_for(renderer, directory, voice=VOICE) -> speech.SpeechCache:
    return speech.SpeechCache(renderer, voice, directory)


def test_the_cache_key_changes_with_every_input_that_changes_the_audio():
    base = clipcache.speech_name("e1", VOICE, "Slow down.")
    assert base.startswith("slow-down-") and base.endswith(".wav")
    others = {
        clipcache.speech_name("e2", VOICE, "Slow down."),
        clipcache.speech_name("e1", Voice("fake/de", 160, None), "Slow down."),
        clipcache.speech_name("e1", Voice("fake/en-us", 170, None), "Slow down."),
        clipcache.speech_name("e1", Voice("fake/en-us", 160, 0.5), "Slow down."),
        clipcache.speech_name("e1", VOICE, "Slow down!"),
    }
    assert base not in others and len(others) == 5


def test_a_second_request_is_served_from_the_cache_without_rendering(renderer, tmp_path):
    cache = cache_for(renderer, tmp_path)
    first = cache.durations(["One.", "Two words."])
    assert renderer.rendered == ["One.", "Two words."]
    assert cache.durations(["One.", "Two words."]) == first
    assert renderer.rendered == ["One.", "Two words."]


def test_rendered_clips_are_48k_speech_level_with_a_safe_true_peak(renderer, tmp_path):
    cache = cache_for(renderer, tmp_path)
    cache.durations(["A sentence of moderate length for the meter."])
    clip = cache.clip("A sentence of moderate length for the meter.")
    info = sf.info(str(cache.path("A sentence of moderate length for the meter.")))
    assert (info.samplerate, info.channels) == (48000, 1)
    assert meter.loudness(clip.samples) == pytest.approx(clips.SPEECH_LUFS, abs=0.5)
    assert peaks.true_peak_db(clip.samples) <= leveling.CLIP_CEILING_DB + 0.05
    assert abs(clip.samples[0]) < 1e-3 and abs(clip.samples[-1]) < 1e-3  # faded edges


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "nan"])
def test_a_corrupt_cache_entry_is_detected_and_rendered_again(renderer, tmp_path, damage):
    cache = cache_for(renderer, tmp_path)
    expected = cache.durations(["Heal me."])["Heal me."]
    path = cache.path("Heal me.")
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\x00garbage" * 100)
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        samples, _ = sf.read(str(path), dtype="float32")
        samples[10] = np.nan
        sf.write(str(path), samples, audio.RATE, subtype="FLOAT")
    if damage != "nan":
        assert store.verified_frames(path, cache.key("Heal me.")) is None
        assert cache.durations(["Heal me."])["Heal me."] == expected
    clip = cache.clip("Heal me.")
    assert np.all(np.isfinite(clip.samples)) and clip.duration == pytest.approx(expected)
    assert renderer.rendered.count("Heal me.") == 2


def test_no_temporary_files_are_left_in_the_cache(renderer, tmp_path):
    cache_for(renderer, tmp_path).durations(["One.", "Two."])
    assert sorted(p.name.split("-")[0] for p in tmp_path.iterdir()) == ["one", "two"]


def test_voices_resolve_by_id_language_or_name_and_unknown_ones_name_the_line(renderer, tmp_path):
    assert speech.resolve_voice(Voice("en-us"), renderer).name == "fake/en-us"
    assert speech.resolve_voice(Voice("Fake German"), renderer).name == "fake/de"
    assert speech.resolve_voice(Voice("fake/de"), renderer).name == "fake/de"
    with pytest.raises(RoutineError) as caught:
        speech.resolve_voice(Voice("klingon", line=4), renderer, tmp_path / "r.yaml")
    assert str(caught.value) == (
        f"{tmp_path / 'r.yaml'}:4: unknown voice 'klingon'; use a "
        "voice id or language code such as de, en-us (list them: "
        "voiceguide voices)"
    )


def test_the_voice_list_is_remembered_so_a_warm_start_needs_no_engine(tmp_path):
    calls = []

    class Counting(ToneSynth):
        def voices(self):
            calls.append(1)
            return super().voices()

    with speech.Renderer(Counting, "counting-1") as renderer:
        renderer.voices()
        renderer.voices()
    assert calls == [1]


# -- the render pool stops at the first failure ------------------------------------------------


class StallingSynth(ToneSynth):
    """Fails on 'Fail.' once a text starting with 'Stall' is rendering, which takes 600 s;
    each render leaves its worker's pid in ``$PIDS_DIR``."""

    def render(self, text, voice, path):
        folder = Path(os.environ["PIDS_DIR"])
        (folder / f"{text[:5]}-{os.getpid()}").touch()
        if text.startswith("Stall"):
            time.sleep(600)
        deadline = time.monotonic() + 30
        while not list(folder.glob("Stall-*")) and time.monotonic() < deadline:
            time.sleep(0.01)
        raise SpeechError(f"the engine refused {text!r}")


def test_the_first_failure_stops_the_render_at_once_leaving_no_worker_or_file(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("PIDS_DIR", str(tmp_path))
    cache_dir = tmp_path / "cache"
    started = time.monotonic()
    with speech.Renderer(StallingSynth, "stalling-1", processes=2) as renderer:
        with pytest.raises(SpeechError, match="the engine refused 'Fail.'"):
            cache_for(renderer, cache_dir).durations(["Stall for a very long time.", "Fail."])
        workers_seen = [int(p.name.rsplit("-", 1)[1]) for p in tmp_path.glob("*-*")]
        assert len(set(workers_seen)) == 2
        assert [pid for pid in workers_seen if procs.alive(pid)] == []
    assert time.monotonic() - started < 60  # not the 600 s the stalled render would take
    assert list(cache_dir.iterdir()) == []  # the killed worker's unfinished render removed


class CrashingSynth(ToneSynth):
    """Crashes its worker (SIGSEGV, as espeak-ng once did under load) on 'Crash.' as many
    times as ``$CRASHES`` says, counted in files in ``$PIDS_DIR``."""

    def render(self, text, voice, path):
        folder = Path(os.environ["PIDS_DIR"])
        if text == "Crash." and len(list(folder.glob("crash-*"))) < int(os.environ["CRASHES"]):
            (folder / f"crash-{os.getpid()}").touch()
            os.kill(os.getpid(), signal.SIGSEGV)
        super().render(text, voice, path)


@pytest.mark.parametrize("crashes", [1, 2])
def test_a_crashed_worker_is_replaced_once_and_the_renders_left_are_made(
    tmp_path, monkeypatch, crashes
):
    monkeypatch.setenv("PIDS_DIR", str(tmp_path))
    monkeypatch.setenv("CRASHES", str(crashes))
    cache_dir = tmp_path / "cache"
    texts = ["Crash.", "One sentence.", "Another one, a little longer.", "Three."]
    with speech.Renderer(CrashingSynth, "crashing-1", processes=2) as renderer:
        cache = cache_for(renderer, cache_dir)
        if crashes == 1:
            durations = cache.durations(texts)
            assert sorted(durations) == sorted(texts) and all(d > 0 for d in durations.values())
        else:  # a second crash is the engine's: one line that says what to check
            with pytest.raises(
                SpeechError, match=r"crashed \(a worker process ended \(signal 11\)\)"
            ):
                cache.durations(texts)
    assert len(list(tmp_path.glob("crash-*"))) == crashes


class KilledSynth(ToneSynth):
    """Its worker is killed (SIGKILL, as the out-of-memory killer does) at every render."""

    def render(self, text, voice, path):
        os.kill(os.getpid(), signal.SIGKILL)


def test_a_worker_killed_twice_is_said_to_be_killed_not_the_engine_to_be_broken(tmp_path):
    with speech.Renderer(KilledSynth, "killed-1", processes=1) as renderer:
        with pytest.raises(SpeechError) as caught:
            cache_for(renderer, tmp_path).durations(["Hello."])
    assert str(caught.value) == (
        "a speech worker process was killed (SIGKILL), what the system does when it runs out "
        "of memory; free some memory and run again"
    )


INTERRUPTED = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from voiceguide import speech
    from voiceguide.routine import Voice
    from voiceguide.testing.fakes import ToneSynth

    class Stalling(ToneSynth):
        def render(self, text, voice, path):
            time.sleep(600)

    with speech.Renderer(Stalling, "stalling-1", processes=2) as renderer:
        cache = speech.SpeechCache(renderer, Voice("fake/en-us"), Path(sys.argv[1]))
        try:
            cache.durations(["One.", "Two."])
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            sys.exit(130)
""")


@pytest.mark.parametrize("how", ["SIGINT to the process", "SIGINT to its group", "SIGTERM"])
@pytest.mark.slow
def test_an_interrupted_or_terminated_render_stops_its_workers_at_once(tmp_path, how):
    script = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED, str(tmp_path / "cache")],
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    pids: list[int] = []
    try:
        pids = procs.wait_children(script.pid, 2, 60)
        assert len(pids) == 2
        time.sleep(0.3)  # both are rendering by now
        if how == "SIGINT to its group":  # Ctrl-C on a terminal
            os.killpg(script.pid, signal.SIGINT)
        else:
            script.send_signal(signal.SIGTERM if how == "SIGTERM" else signal.SIGINT)
        _out, err = script.communicate(timeout=60)  # not the 600 s the renders would take
        if how == "SIGTERM":
            assert script.returncode == -signal.SIGTERM
        else:
            assert (script.returncode, err) == (130, "interrupted\n")
        assert procs.wait_gone(pids, 5) == []
    finally:
        script.kill()
        script.wait(timeout=30)
        for pid in pids:
            if procs.alive(pid):
                os.kill(pid, signal.SIGKILL)


# -- every entry carries its key and a checksum of its samples ---------------------------------


def comment_of(path) -> str:
    with sf.SoundFile(str(path)) as sound:
        return sound.comment


def test_every_entry_carries_its_key_and_a_checksum_of_its_samples(renderer, tmp_path):
    cache = cache_for(renderer, tmp_path)
    cache.durations(["Breathe in."])
    samples, _ = sf.read(str(cache.path("Breathe in.")), dtype="float32")
    digest = hashlib.sha256(samples.astype("<f4").tobytes()).hexdigest()
    assert comment_of(cache.path("Breathe in.")) == (
        f"voiceguide v{store.FORMAT_VERSION} key={cache.key('Breathe in.')} sha256={digest}"
    )
    assert cache.path("Breathe in.").name.endswith(f"-{cache.key('Breathe in.')[:16]}.wav")


def zero_the_samples(path) -> None:
    """Overwrite the data chunk with zeros, the header left as it was."""
    data = bytearray(path.read_bytes())
    start = data.index(b"data") + 8
    data[start:] = bytes(len(data) - start)
    path.write_bytes(bytes(data))


def test_a_clip_whose_samples_were_zeroed_is_rendered_again_when_it_is_read(renderer, tmp_path):
    cache = cache_for(renderer, tmp_path)
    text = "A sentence of moderate length for the meter."
    seconds = cache.durations([text])[text]
    zero_the_samples(cache.path(text))
    assert cache.durations([text])[text] == seconds  # a plan checks the header only
    assert renderer.rendered == [text]
    clip = cache.clip(text)
    assert renderer.rendered == [text, text]
    assert meter.loudness(clip.samples) == pytest.approx(clips.SPEECH_LUFS, abs=0.5)
    assert clip.duration == pytest.approx(seconds)


def test_a_valid_clip_copied_over_another_entry_is_not_taken_for_it(renderer, tmp_path):
    cache = cache_for(renderer, tmp_path)
    short, long = "One.", "Three words here, and a few more."
    seconds = cache.durations([short, long])
    cache.path(long).write_bytes(cache.path(short).read_bytes())
    assert cache.durations([long]) == {long: seconds[long]}
    assert renderer.rendered == [short, long, long]
    reference = cache_for(renderer, tmp_path / "fresh").clip(long)
    np.testing.assert_array_equal(cache.clip(long).samples, reference.samples)


def test_an_entry_of_an_older_format_is_rendered_again(renderer, tmp_path):
    cache = cache_for(renderer, tmp_path)
    cache.durations(["Old."])
    samples, _ = sf.read(str(cache.path("Old.")), dtype="float32")
    sf.write(str(cache.path("Old.")), samples, audio.RATE, subtype="FLOAT")  # no key, no sum
    assert cache.missing(["Old."]) == ["Old."]
    cache.clip("Old.")
    assert renderer.rendered == ["Old.", "Old."]


def release_readers_of(fifo: Path, after: float) -> None:
    """After ``after`` seconds, give whoever is blocked opening ``fifo`` an end of file."""

    def release() -> None:
        time.sleep(after)
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass  # nobody is reading: as it should be

    threading.Thread(target=release, daemon=True).start()


@pytest.mark.parametrize("kind", ["fifo", "symlink", "directory"])
def test_what_voiceguide_did_not_write_at_an_entry_name_is_reported_and_left_alone(
    renderer, tmp_path, kind
):
    cache = cache_for(renderer, tmp_path / "cache")
    cache.durations(["Elsewhere."])
    path = cache.path("Stay.")
    if kind == "fifo":
        os.mkfifo(path)
        release_readers_of(path, after=10)  # a reader blocked on it would hang the test
    elif kind == "symlink":
        path.symlink_to(cache.path("Elsewhere."))
    else:
        path.mkdir()
    before = path.lstat()
    described = {"fifo": "a FIFO", "symlink": "a symbolic link", "directory": "a directory"}
    message = (
        f"the speech cache entry {path} is {described[kind]}, not a clip voiceguide wrote; "
        "remove it or point VOICEGUIDE_CACHE_DIR elsewhere"
    )
    for use in (cache.durations, cache.missing, lambda texts: cache.clip(texts[0])):
        with pytest.raises(SpeechError) as caught:
            use(["Stay."])
        assert str(caught.value) == message
    with pytest.raises(SpeechError, match="not a clip voiceguide wrote"):
        store.write(np.zeros(4800, dtype=np.float32), path, cache.key("Stay."))
    assert path.lstat() == before and renderer.rendered == ["Elsewhere."]
    assert store.verified_frames(cache.path("Elsewhere."), cache.key("Elsewhere."))


def test_a_damaged_or_swapped_chime_entry_is_prepared_again(tmp_path):
    bell = resources.find_sound("end", resources.sounds_dir())
    expected = clips.chime_clip(bell).samples
    first = prepared(bell, "chime", tmp_path).samples
    (entry,) = tmp_path.glob("chime-*.wav")
    np.testing.assert_array_equal(first, expected)
    zero_the_samples(entry)
    np.testing.assert_array_equal(prepared(bell, "chime", tmp_path).samples, expected)
    sf.write(str(entry), np.zeros(len(expected), dtype=np.float32), audio.RATE, "FLOAT")
    np.testing.assert_array_equal(prepared(bell, "chime", tmp_path).samples, expected)


def test_a_fifo_at_the_remembered_voice_list_is_reported_not_read_nor_replaced(tmp_path):
    with speech.Renderer(ToneSynth, "listed-1") as renderer:
        name = clipcache.entry_name("voices", "listed-1").replace(".wav", ".json")
        fifo = store.cache_dir() / name
        os.mkfifo(fifo)
        release_readers_of(fifo, after=10)
        with pytest.raises(SpeechError, match=f"^the speech cache entry {fifo} is a FIFO"):
            renderer.voices()
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


# -- where the cache is: $VOICEGUIDE_CACHE_DIR as a shell would have expanded it ---------------


def test_the_cache_folder_expands_a_tilde_and_makes_a_relative_one_absolute(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", "~/clips")  # as a systemd unit passes it
    assert store.cache_dir() == tmp_path / "home" / "clips"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", "cache")
    assert store.cache_dir() == tmp_path / "cache"
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", "~nosuchuser/clips")
    with pytest.raises(UsageError) as caught:
        store.cache_dir()
    assert str(caught.value) == (
        "VOICEGUIDE_CACHE_DIR: there is no user 'nosuchuser' for ~nosuchuser/clips; "
        "give a folder's path"
    )


def test_a_cache_folder_given_with_a_tilde_makes_no_folder_named_tilde(
    monkeypatch, tmp_path, renderer
):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", "~/clips")
    monkeypatch.chdir(tmp_path)
    cache = speech.SpeechCache(renderer, VOICE)
    cache.durations(["Hello there."])
    assert not (tmp_path / "~").exists()
    assert cache.path("Hello there.").parent == tmp_path / "home" / "clips"
    assert cache.path("Hello there.").is_file()
