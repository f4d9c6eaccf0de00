"""``voiceguide serve``: the page for a phone and its API, on this computer or the home network."""

from __future__ import annotations

from pathlib import Path

import click

from voiceguide.choices import BACKENDS
from voiceguide.cli.options import CONTEXT, make_renderer
from voiceguide.cli.output import out, reported


@click.command(context_settings=CONTEXT)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="The port to listen on (0: any free one).",
)
@click.option(
    "--lan",
    is_flag=True,
    help="Listen on the home network too, for a phone: prints an address with a secret token "
    "and its QR code; requests without the token are refused.",
)
@click.option(
    "--routines",
    "routines_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    metavar="DIR",
    help="Also offer the .yaml routines of this folder (by file name, without .yaml).",
)
@click.option(
    "--backend",
    "backend_name",
    type=click.Choice(list(BACKENDS)),
    help="Audio output of 'Play on the computer' (as for 'voiceguide play').",
)
def serve(port: int, lan: bool, routines_dir: Path | None, backend_name: str | None) -> None:
    """Serve a page to choose, fit, see, play and download sessions from a phone or a
    browser, and to steer this computer's live player (docs/serve.md).

    By default only this computer can open it (http://127.0.0.1:8765/). With --lan a phone
    on the same network can: open the address printed, or scan its QR code. Ctrl-C stops it.
    """
    from voiceguide import serve as serving
    from voiceguide.atomic import shown

    with reported():
        serving.require()
        listening = serving.listen(port, lan)
        with make_renderer() as renderer:
            if routines_dir is not None:
                for path in serving.hidden_routines(routines_dir):
                    click.echo(
                        f"warning: {shown(path)} is not offered: a built-in routine has its name",
                        err=True,
                    )
            if lan:
                if not listening.addresses:
                    click.echo("warning: no network address found; listening anyway", err=True)
                out(serving.qr_text(listening.urls[0]), nl=False)
            for url in listening.urls:
                out(f"voiceguide serve: open {url}")
            out("Ctrl-C stops it.")
            try:
                serving.run(listening, renderer, routines_dir, backend_name)
            except KeyboardInterrupt:
                pass
            out("stopped")
