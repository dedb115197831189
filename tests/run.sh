#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: system packages, virtualenv, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
# postgresql: the server the tests start on a private socket (tools/pgserver.py) for the
# PostgreSQL backend; those tests fail, not skip, without it
# libreoffice-writer-nogui: soffice --headless turns generated DOCX into PDF the way offices do
# (tests/test_extract_pdf_office.py); those tests fail, not skip, without it
# tesseract-ocr + chi_sim: the OCR engine for scans (gikportal/extract/ocr.py)
# postgresql-15-rum: the RUM index (ranking and phrases from the index) that the PostgreSQL backend's
# schema creates (migration 0002; Debian 12's server is 15); its tests fail without it
# poppler-utils + poppler-data: pdftoppm renders PDFs to page pictures as a scanner driver does, for the
# scans the OCR tests make (tools/scans.py; poppler-data holds the CJK font maps)
DEBS="chromium fonts-noto-cjk wrk postgresql postgresql-15-rum libreoffice-writer-nogui tesseract-ocr tesseract-ocr-chi-sim poppler-utils poppler-data"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  missing=""
  for pkg in $DEBS; do dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"; done
  if [ -n "$missing" ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
