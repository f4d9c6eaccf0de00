from voiceguide.cli import run

run()
