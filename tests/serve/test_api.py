"""The HTTP API answers what the command line answers: a ``voiceguide serve`` subprocess
(tone engine) against the CLI in this process (tone engine too), compared byte for byte."""

from __future__ import annotations

import concurrent.futures
import io
import json
import re
import zipfile

import numpy as np
import pytest
import soundfile as sf

from tests.serve.conftest import api, fetch
from voiceguide.testing import browser

pytestmark = pytest.mark.skipif(not browser.available(), reason="needs selenium and chromium")


@pytest.mark.slow
def test_routines_are_what_list_json_prints(server, run, monkeypatch):
    # the warm-up renders every routine's speech: measured then, as the command line
    # measures them from the same cache (before, both estimate the ones not rendered yet)
    browser.wait_for(
        lambda: all(r["measured"] for r in api(server, "routines")[1]["routines"]),
        what="the warm-up to measure every routine",
    )
    status, _, body = fetch(f"{server.base}/api/routines")
    assert status == 200
    monkeypatch.setenv("VOICEGUIDE_CACHE_DIR", str(server.cache))
    assert body.decode() == run("list", "--json").output


@pytest.mark.parametrize(
    "options",
    [
        {"length": "10m"},
        {"length": "45m", "pace": "80%", "bed": "ocean"},
        {"length": "600", "rate": "180", "bed_level": "22", "duck": "6"},
        {},
    ],
)
@pytest.mark.slow
def test_a_plan_is_what_plan_json_prints(server, run, options):
    query = "&".join(f"{k}={v.replace('%', '%25')}" for k, v in options.items())
    status, _, body = fetch(f"{server.base}/api/plan?routine=back-massage&{query}")
    flags = []
    for key, value in options.items():
        flags += [f"--{key.replace('_', '-')}", value]
    assert status == 200
    assert body.decode() == run("plan", "back-massage", "--json", "-q", *flags).output


@pytest.mark.parametrize(
    ("params", "args"),
    [
        ("routine=neck-stretch&length=2h", ["neck-stretch", "-l", "2h"]),
        ("routine=neck-stretch&voice=xx", ["neck-stretch", "--voice", "xx"]),
        ("routine=back-massag", None),
        ("routine=../scripts/neck-stretch", None),
        ("routine=/etc/passwd", None),
        ("routine=neck-stretch&length=1m&bed=%2Fetc%2Fpasswd", None),
    ],
)
def test_a_bad_request_is_a_400_with_the_command_lines_one_line(server, run, params, args):
    status, answer = api(server, f"plan?{params}")
    assert status == 400
    message = answer["error"]
    assert "\n" not in message and "Traceback" not in message
    if args is not None:
        said = run("plan", *args)
        assert said.exit_code == 2
        assert message == said.output.strip().splitlines()[-1]
    else:
        assert message.startswith(("no routine ", "Invalid value for 'bed'"))
    assert "root:" not in message


def test_a_near_name_is_suggested(server):
    status, answer = api(server, "plan?routine=back-massag")
    assert status == 400
    assert answer["error"].startswith("no routine 'back-massag': did you mean back-massage")


def test_the_session_wav_is_what_export_writes_to_standard_output(server, run, tmp_path):
    url = f"{server.base}/api/session.wav?routine=neck-stretch&length=1m"
    status, headers, body = fetch(url)
    assert status == 200 and headers["Content-Type"] == "audio/wav"
    exported = run("export", "neck-stretch", "-l", "1m", "-o", "-", "-q")
    assert body == exported.stdout_bytes
    samples, rate = sf.read(io.BytesIO(body), dtype="float32")
    assert rate == 48000 and len(samples) == 60 * 48000
    assert np.sqrt(np.mean(samples**2)) > 0.01  # sound, not silence


@pytest.mark.slow
def test_a_session_served_while_it_is_mixed_is_the_exported_file_at_minus_16_lufs(
    server, run, tmp_path
):
    """Issue 24: the WAV streamed to a phone is the file ``export`` writes (same gain, same
    samples), decoded at -16 LUFS (speech and chimes) under -1 dBTP, its first bytes served
    before the rest is mixed."""
    from voiceguide.audio import loudness, peaks

    url = f"{server.base}/api/session.wav?routine=back-massage&length=25m&bed=none"
    status, headers, first = fetch(url, {"Range": "bytes=0-99999"})
    assert status == 206 and headers["X-Voiceguide-Render"] == "made"
    body = fetch(url)[2]
    assert body[:100000] == first
    target = tmp_path / "back.wav"
    assert run("export", "back-massage", "-l", "25m", "--bed", "none", "-o", str(target), "-q")
    samples, rate = sf.read(io.BytesIO(body), dtype="float32")
    assert rate == 48000 and len(samples) == 25 * 60 * 48000
    np.testing.assert_array_equal(samples, sf.read(target, dtype="float32")[0])  # tags aside
    assert peaks.true_peak_db(samples) <= -1.0
    # the pace guide's beats sit under the speech at their own level: the session is
    # leveled on the speech and chimes, so the whole file (beats counted) is a little louder
    assert -16.5 <= loudness.loudness(samples) <= -14.0


def test_the_session_is_seekable_by_range(server):
    url = f"{server.base}/api/session.wav?routine=neck-stretch&length=70s"
    whole = fetch(url)[2]
    status, headers, part = fetch(url, {"Range": "bytes=1000-1999"})
    assert status == 206
    assert headers["Content-Range"] == f"bytes 1000-1999/{len(whole)}"
    assert part == whole[1000:2000]
    status, _, tail = fetch(url, {"Range": "bytes=-10"})
    assert status == 206 and tail == whole[-10:]
    status, headers, _ = fetch(url, {"Range": f"bytes={len(whole)}-"})
    assert status == 416


@pytest.mark.slow
def test_a_wav_being_mixed_is_served_by_range_before_it_is_finished(server):
    """A long session: the first bytes and a range come while the rest is being mixed, and
    equal the finished file's."""
    url = f"{server.base}/api/session.wav?routine=back-massage&length=50m"
    status, headers, part = fetch(url, {"Range": "bytes=0-99999"})
    assert status == 206
    size = int(headers["Content-Range"].split("/")[1])
    assert size == 44 + 50 * 60 * 48000 * 2 or size > 50 * 60 * 48000 * 2
    whole = fetch(url)[2]
    assert len(whole) == size and part == whole[:100000]


def test_the_mp3_has_chapters_and_lasts_the_plan(server, tmp_path):
    from mutagen.id3 import ID3

    url = f"{server.base}/api/session.mp3?routine=neck-stretch&length=1m&download=1"
    status, headers, body = fetch(url)
    assert status == 200 and headers["Content-Type"] == "audio/mpeg"
    assert headers["Content-Disposition"].startswith("attachment;")
    path = tmp_path / "s.mp3"
    path.write_bytes(body)
    chapters = ID3(path).getall("CHAP")
    plan = api(server, "plan?routine=neck-stretch&length=1m")[1]
    assert len(chapters) == len(plan["steps"])
    assert sf.info(path).frames == 60 * 24000


def test_the_tracks_zip_holds_the_split_and_its_playlist(server):
    status, headers, body = fetch(f"{server.base}/api/tracks.zip?routine=neck-stretch&length=1m")
    assert status == 200 and headers["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    plan = api(server, "plan?routine=neck-stretch&length=1m")[1]
    assert "playlist.m3u8" in names
    assert len([n for n in names if n.endswith(".mp3")]) == len(plan["steps"])


@pytest.mark.slow
def test_two_phones_asking_at_once_cause_one_render(server):
    url = f"{server.base}/api/session.wav?routine=first-back-massage&length=30m"
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        both = list(pool.map(lambda _: fetch(url), range(2)))
    answers = [body for _, _, body in both]
    assert answers[0] == answers[1] and len(answers[0]) > 30 * 60 * 48000 * 2
    assert sorted(headers["X-Voiceguide-Render"] for _, headers, _ in both) == ["joined", "made"]
    store = server.cache / "sessions"
    # the last bytes are served as they are written: the file is renamed into place after
    browser.wait_for(lambda: not [p for p in store.iterdir() if ".partial-" in p.name], 20)
    # renamed, then marked done: until then a third phone joins it; never a second render
    hows = []
    browser.wait_for(
        lambda: (
            hows.append(fetch(url, {"Range": "bytes=0-9"})[1]["X-Voiceguide-Render"])
            or hows[-1] == "found"
        ),
        20,
    )
    assert set(hows) <= {"joined", "found"}
    made = [p for p in store.iterdir() if p.suffix == ".wav"]
    assert sum(p.stat().st_size == len(answers[0]) for p in made) == 1


def test_the_picture_is_the_plans_svg(server):
    pytest.importorskip("matplotlib")
    status, headers, body = fetch(f"{server.base}/api/picture.svg?routine=neck-stretch&length=1m")
    assert status == 200 and headers["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in body and b"Neck and shoulder stretch" in body


def test_voices_lists_the_engines_voices(server):
    status, answer = api(server, "voices")
    assert status == 200
    (engine,) = answer["engines"]
    assert [v["id"] for v in engine["voices"]] == ["fake/de", "fake/en-us"]


def test_the_page_and_its_files_are_small_and_local(server):
    total = 0
    status, _, page = fetch(server.base + "/")
    assert status == 200
    total += len(page)
    for name in ("app.js", "style.css", "icon.svg"):
        status, _, body = fetch(f"{server.base}/static/{name}")
        assert status == 200
        total += len(body)
        assert outside(body) == []  # no CDN: it works without the internet
    assert outside(page) == []
    assert total < 50_000
    assert fetch(f"{server.base}/static/../__init__.py")[0] == 404
    assert fetch(f"{server.base}/static/index.html")[0] == 404


def outside(text: bytes) -> list[bytes]:
    """Addresses elsewhere in ``text`` (an SVG's namespace is a name, never fetched)."""
    found = re.findall(rb"https?://[^\s\"')]+", text)
    return [url for url in found if url != b"http://www.w3.org/2000/svg"]


def test_live_actions_without_a_session_answer_idle_and_unknown_ones_404(server):
    post = {"Content-Type": "application/json"}
    status, _, body = fetch(f"{server.base}/api/live/pause", post, b"{}", "POST")
    assert status == 200 and json.loads(body)["state"] == "idle"
    status, _, body = fetch(f"{server.base}/api/live/explode", post, b"{}", "POST")
    assert status == 404
    status, _, body = fetch(f"{server.base}/api/live/start", post, b'{"routine": "nope"}', "POST")
    assert status == 400 and json.loads(body)["error"].startswith("no routine 'nope'")
