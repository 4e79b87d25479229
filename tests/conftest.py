import os, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

@pytest.fixture(autouse=True)
def _seeded():
    "Every test starts from the same library seed, so failures are repeatable."
    from cnn_scratch.core import set_seed
    set_seed(1234)
    yield

def venv_bin(name):
    "A tool from the interpreter's own environment (the .venv that `make test` runs in)."
    return str(Path(sys.executable).parent / name)
