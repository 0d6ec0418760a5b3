import sys
from pathlib import Path

# The mpmath references live beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

import os

from hypothesis import settings

# CI explores the same examples on every run (a flaky red build lands nothing); local runs keep exploring
# new random examples, which is where new edge cases are found and then pinned with @example.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
