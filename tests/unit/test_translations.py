"""Every user-facing string has an English translation with the same placeholders."""
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_extracted_message_is_translated(tmp_path):
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run([str(pybabel), "extract", "-F", "babel.cfg", "-k", "N_", "-k", "_l", "-o", str(pot), "--no-location", "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as fh:
        extracted = {m.id for m in read_po(fh) if m.id}
    with (ROOT / "src/gongyi/translations/en/LC_MESSAGES/messages.po").open("rb") as fh:
        english = {m.id: m.string for m in read_po(fh) if m.id}
    missing = sorted(m for m in extracted if not english.get(m))
    assert not missing, f"{len(missing)} messages without English, e.g. {missing[:5]}; run `make extract-messages` and translate"
    wrong = [m for m in extracted if sorted(PLACEHOLDER.findall(m)) != sorted(PLACEHOLDER.findall(english[m]))]
    assert not wrong, f"placeholders differ: {wrong[:5]}"


def test_no_english_text_holds_a_straight_double_quote():
    """Translations are placed in HTML attributes (data-confirm, aria-label) as they are, so a
    straight double quote would end the attribute: English uses “typographic” quotes instead."""
    with (ROOT / "src/gongyi/translations/en/LC_MESSAGES/messages.po").open("rb") as fh:
        quoted = [m.id for m in read_po(fh) if m.id and '"' in (m.string if isinstance(m.string, str) else "".join(m.string))]
    assert not quoted, f"straight double quotes in: {quoted[:5]}"
