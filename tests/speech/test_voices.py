"""An unknown voice name suggests the nearest voices, not the first ones alphabetically."""

from __future__ import annotations

import pytest

from voiceguide import speech
from voiceguide.errors import RoutineError
from voiceguide.routine import Voice
from voiceguide.speech import VoiceInfo

# A part of espeak-ng's list (voiceguide voices), ids, display names and languages as it has them
ESPEAK = [
    VoiceInfo("gmw/af", "Afrikaans", ("af",)),
    VoiceInfo("zls/bs", "Bosnian", ("bs",)),
    VoiceInfo("sit/cmn", "Chinese (Mandarin, latin as English)", ("cmn",)),
    VoiceInfo("zlw/cs", "Czech", ("cs",)),
    VoiceInfo("gmq/da", "Danish", ("da",)),
    VoiceInfo("gmw/de", "German", ("de",)),
    VoiceInfo("gmw/en", "English (Great Britain)", ("en-gb",)),
    VoiceInfo("gmw/en-029", "English (Caribbean)", ("en-029",)),
    VoiceInfo("gmw/en-gb-scotland", "English (Scotland)", ("en-gb-scotland",)),
    VoiceInfo("gmw/en-gb-x-rp", "English (Received Pronunciation)", ("en-gb-x-rp",)),
    VoiceInfo("gmw/en-us", "English (America)", ("en-us",)),
    VoiceInfo("gmw/en-us-nyc", "English (America, New York City)", ("en-us-nyc",)),
    VoiceInfo("roa/es", "Spanish (Spain)", ("es",)),
    VoiceInfo("roa/es-419", "Spanish (Latin America)", ("es-419",)),
    VoiceInfo("urj/fi", "Finnish", ("fi",)),
    VoiceInfo("roa/fr", "French (France)", ("fr-fr",)),
    VoiceInfo("roa/fr-be", "French (Belgium)", ("fr-be",)),
    VoiceInfo("roa/fr-ch", "French (Switzerland)", ("fr-ch",)),
    VoiceInfo("inc/hi", "Hindi", ("hi",)),
    VoiceInfo("gmw/nl", "Dutch", ("nl",)),
]


class Voices:
    """A synthesizer that only lists voices (resolve_voice asks no more of it)."""

    engine_id = "listing-only"

    def voices(self) -> list[VoiceInfo]:
        return ESPEAK


@pytest.mark.parametrize(
    ("name", "suggested"),
    [
        ("english", ["en", "en-us", "en-029", "en-us-nyc", "en-gb-x-rp", "en-gb-scotland"]),
        ("English", ["en", "en-us", "en-029", "en-us-nyc", "en-gb-x-rp", "en-gb-scotland"]),
        ("en-au", ["en", "en-us", "en-029", "en-us-nyc", "en-gb-x-rp", "en-gb-scotland"]),
        ("french", ["fr", "fr-be", "fr-ch"]),
        ("fench", ["fr", "fr-be", "fr-ch"]),
        ("deutsch", ["de"]),
        ("us", ["en-us", "en-us-nyc"]),
    ],
)
def test_an_unknown_voice_suggests_the_nearest_voices_first(name, suggested):
    with pytest.raises(RoutineError) as caught:
        speech.resolve_voice(Voice(name, line=3), Voices())
    shown = caught.value.message.split("such as ", 1)[1].split(" (list them")[0].split(", ")
    assert shown[: len(suggested)] == suggested
    assert caught.value.line == 3


def test_the_suggestions_stop_at_eight():
    assert len(speech.nearest_voices("english", ESPEAK * 2)) <= 8


def test_with_no_voice_near_the_first_eight_are_suggested_alphabetically():
    assert speech.nearest_voices("klingon", ESPEAK) == [
        "af",
        "bs",
        "cmn",
        "cs",
        "da",
        "de",
        "en",
        "en-029",
    ]
