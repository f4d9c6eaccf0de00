"""voiceguide: routine scripts become spoken cues and chimes, played live or exported."""

__version__ = "0.1.0"
