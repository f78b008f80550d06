#!/usr/bin/env bash
# Installs the programs ocrfix needs outside Python: Tesseract 5 with English data, and,
# with --test, what the test suite drives (Danish language data, pdftotext, Chromium for the
# review page tests).
# As root it uses apt-get; otherwise it says exactly what to run.
set -euo pipefail

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

missing=()
if command -v tesseract >/dev/null 2>&1; then
  major=$(tesseract --version 2>&1 | head -n1 | sed -E 's/^tesseract v?([0-9]+).*/\1/')
  if [ "${major:-0}" -lt 5 ] 2>/dev/null; then missing+=(tesseract-ocr); fi
  tesseract --list-langs 2>/dev/null | grep -qx eng || missing+=(tesseract-ocr-eng)
else
  missing+=(tesseract-ocr tesseract-ocr-eng)
fi
if [ "$want_test" = 1 ]; then
  # The chooser's integration test reads a real Danish dev page with Tesseract's Danish model.
  if command -v tesseract >/dev/null 2>&1; then
    tesseract --list-langs 2>/dev/null | grep -qx dan || missing+=(tesseract-ocr-dan)
  else
    missing+=(tesseract-ocr-dan)
  fi
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} with apt-get ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "ocrfix needs: ${missing[*]}" >&2
  echo "Install them with:  sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
