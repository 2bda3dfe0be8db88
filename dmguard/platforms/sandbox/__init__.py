"""A local X API v2 emulator: a real HTTP server on 127.0.0.1 for tests, demo and first hours."""
