"""Golden outputs of the shipped scenarios (tests/golden/make.py): every table byte for byte, and
every plot's decoded pixels.

The cases (``capsim run`` and ``capsim explore --method lhs`` of scenarios/shanxi.yaml,
guizhou.yaml and example.yaml on a fixed seed) run once per module, in one subprocess.

- ``test_tables``: every CSV file has the sha256 recorded in tests/golden/tables.json. A refactor
  or a library swapped for our own code must leave it alone.
- ``test_pixels`` (marked ``pixels``): every PNG decodes to the pixels recorded in
  tests/golden/pixels.json (so a different PNG encoder drawing the same picture passes). Plots are
  changed on purpose now and then; after such a change regenerate the record with one command,
  in the same commit:

      python tests/golden/make.py --pixels

  (``-m 'not pixels'`` skips it.)
"""

from __future__ import annotations

import importlib.util
import json

import pytest

from conftest import REPO

pytestmark = pytest.mark.slow  # about 12 s of CPU: five capsim commands with their plots

_spec = importlib.util.spec_from_file_location("golden_make", REPO / "tests" / "golden" / "make.py")
make = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    return make.run_all(tmp_path_factory.mktemp("golden"))


def _compare(recorded: dict, found: dict, what: str, regenerate: str) -> None:
    assert sorted(found) == sorted(recorded), f"cases differ from tests/golden/{what}"
    for case in recorded:
        assert sorted(found[case]) == sorted(recorded[case]), f"{case}: other files than tests/golden/{what} lists"
        changed = [name for name in recorded[case] if found[case][name] != recorded[case][name]]
        assert not changed, f"{case}: {', '.join(changed)} differ from tests/golden/{what} ({regenerate})"


def test_tables(folders):
    recorded = json.loads(make.TABLES.read_text(encoding="utf-8"))
    assert all(len(files) >= 3 for files in recorded.values())
    found = {case: make.table_sums(folder) for case, folder in folders.items()}
    _compare(recorded, found, "tables.json", "numbers must not change in a refactor")


@pytest.mark.pixels
def test_pixels(folders):
    recorded = json.loads(make.PIXELS.read_text(encoding="utf-8"))
    found = {case: make.pixel_sums(folder) for case, folder in folders.items()}
    _compare(recorded, found, "pixels.json", "an intended plot change: python tests/golden/make.py --pixels")
