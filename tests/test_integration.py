"""Real Tesseract on the sample scans in images/: the end-to-end job `make demo` runs."""

import json

import pytest

from conftest import IMAGES, OCRFIX
from pipeline.evaluate import score_page
from pipeline.model import Document

pytestmark = pytest.mark.tesseract


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory):
    import subprocess

    out = tmp_path_factory.mktemp("demo") / "output"
    result = subprocess.run(
        [OCRFIX, "process", str(IMAGES), "-o", str(out), "--workers", "2"],
        capture_output=True, text=True, timeout=600, cwd=IMAGES.parent,
    )
    assert result.returncode == 0, result.stderr
    return out, result


def test_every_sample_image_gets_text_and_json(demo_output):
    out, result = demo_output
    scans = sorted(p.stem for p in IMAGES.glob("*.jpg"))
    assert sorted(p.stem for p in out.glob("*.txt")) == scans
    assert sorted(p.stem for p in out.glob("*.json")) == scans
    assert f"{len(scans)} of {len(scans)} files" in result.stderr
    # No temporary files are left behind.
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_json_is_a_valid_document_with_boxes_inside_the_page(demo_output):
    out, _ = demo_output
    for path in out.glob("*.json"):
        doc = Document.model_validate_json(path.read_text())
        page = doc.pages[0]
        assert page.engine["name"] == "tesseract"
        for word in page.words:
            x0, y0, x1, y1 = word.bbox
            assert 0 <= x0 < x1 <= page.width and 0 <= y0 < y1 <= page.height
            assert 0 <= word.confidence <= 100


def test_text_follows_the_page(demo_output):
    out, _ = demo_output
    # A clean rendered page and a real 1939 scan: measured 0.1 % and 5-8 % CER with this pipeline.
    seed = score_page((out / "seed_letter_1988.txt").read_text(), (IMAGES / "seed_letter_1988.gt.txt").read_text())
    assert seed.cer < 0.02
    ehri = score_page((out / "EHRI-DR-19390519-US_04.txt").read_text(), (IMAGES / "EHRI-DR-19390519-US_04.gt.txt").read_text())
    assert ehri.cer < 0.10
    assert "Geoffrey Howe" in (out / "seed_letter_1988.txt").read_text()
    # Raw Tesseract reads nothing on this faded, grainy page; the chooser's last resort reads it
    # (measured 0.2 % CER).
    fco = score_page((out / "fco_cover_1988.txt").read_text(), (IMAGES / "fco_cover_1988.gt.txt").read_text())
    assert fco.cer < 0.02


def test_raw_writes_the_uncorrected_text(tmp_path):
    import subprocess

    out = tmp_path / "raw"
    scan = IMAGES / "seed_letter_1988.jpg"
    subprocess.run([OCRFIX, "process", str(scan), "-o", str(out), "--raw", "--workers", "1"], check=True,
                   capture_output=True)
    doc = json.loads((out / "seed_letter_1988.json").read_text())
    raw_text = (out / "seed_letter_1988.txt").read_text()
    # Every change in the JSON is undone in the raw text: the original form is there.
    for change in doc["pages"][0]["changes"]:
        assert change["original"] in raw_text


def test_char_alternatives_are_kept_on_request(tmp_path):
    import subprocess

    scan = IMAGES / "EHRI-DR-19390519-US_04.jpg"
    for flag, expect in (("--char-alternatives", True), (None, False)):
        out = tmp_path / str(flag)
        subprocess.run([OCRFIX, "process", str(scan), "-o", str(out), "--workers", "1", "--no-correct",
                        *([flag] if flag else [])], check=True, capture_output=True)
        doc = Document.model_validate_json((out / "EHRI-DR-19390519-US_04.json").read_text())
        with_choices = [w for w in doc.pages[0].words if w.alternatives]
        assert bool(with_choices) is expect
        for word in with_choices:
            assert len(word.alternatives) == len(word.text)
