"""The format writers moved to tools/formats.py (the benchmark's corpus uses them too); this name
stays for tests that still import it."""
from tools.formats import *  # noqa: F401,F403
