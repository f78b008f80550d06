"""The command line as people use it: help, errors as one line with an exit code, correct on text."""

import subprocess
import sys
import time

import pytest

from conftest import OCRFIX, ROOT


def run(*args, cwd=None, input=None):
    return subprocess.run([OCRFIX, *args], capture_output=True, text=True, cwd=cwd, input=input, timeout=300)


def test_help_lists_the_commands_quickly():
    started = time.perf_counter()
    result = run("--help")
    elapsed = time.perf_counter() - started
    assert result.returncode == 0
    for command in ("process", "correct", "preprocess"):
        assert command in result.stdout
    assert elapsed < 1.0, f"--help took {elapsed:.2f} s"


def test_python_dash_m_runs_the_same_app():
    result = subprocess.run([sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "process" in result.stdout


def test_a_missing_input_is_one_line_with_exit_code_2(tmp_path):
    result = run("process", str(tmp_path / "nope.jpg"), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"ocrfix: error: {tmp_path / 'nope.jpg'}: no such file or folder"
    assert "Traceback" not in result.stderr


def test_verbose_shows_the_traceback(tmp_path):
    result = run("process", str(tmp_path / "nope.jpg"), "-o", str(tmp_path / "out"), "--verbose")
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_unknown_option_is_a_usage_error(tmp_path):
    result = run("process", "--bogus")
    assert result.returncode == 2 and "No such option" in result.stderr


def test_unknown_output_format_is_refused(tmp_path):
    (tmp_path / "a.png").write_bytes(b"")
    result = run("process", str(tmp_path / "a.png"), "-o", str(tmp_path / "o"), "--format", "txt,docx")
    assert result.returncode == 2 and "unknown output format docx" in result.stderr


def test_correct_prints_corrected_text_and_writes_files(tmp_path):
    source = tmp_path / "ocr.txt"
    source.write_bytes("Dear Ron,\nWe face a very important decision.\n".encode())
    printed = run("correct", str(source), "--corrections", str(tmp_path / "none.yaml"))
    assert printed.returncode == 0
    assert printed.stdout == "Dear Ron,\nWe face a very important decision.\n"
    written = run("correct", str(source), "-o", str(tmp_path / "out"), "--corrections", str(tmp_path / "none.yaml"))
    assert written.returncode == 0 and (tmp_path / "out" / "ocr.txt").read_text() == printed.stdout


def test_correct_reads_non_utf8_text_with_replacement(tmp_path):
    source = tmp_path / "latin1.txt"
    source.write_bytes("Caf\xe9 d\xe9j\xe0\n".encode("latin-1"))
    result = run("correct", str(source), "--corrections", str(tmp_path / "none.yaml"))
    assert result.returncode == 0 and "\ufffd" in result.stdout


@pytest.mark.tesseract
def test_preprocess_command_writes_an_image(tmp_path):
    out = tmp_path / "clean.png"
    result = run("preprocess", str(ROOT / "images" / "seed_letter_1988.jpg"), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 1000 and f"wrote {out}" in result.stdout
