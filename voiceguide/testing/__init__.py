"""Test helpers: a private PulseAudio null sink (real-time audio path) and onset detection."""
