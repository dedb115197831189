"""Scans made the way offices make them, for the OCR tests and the OCR benchmark.

A report printed to PDF (reportlab, or a DOCX through LibreOffice headless), each page rendered
to a picture — by poppler's `pdftoppm` as a scanner driver would, or by PDFium — turned a little,
greyed and speckled, and rebuilt as an image-only PDF; or the pictures pasted into a DOCX.
"""
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

DPI = 300


def render_pages(pdf: bytes, dpi=DPI, renderer="pdftoppm"):
    """The PDF's pages as greyscale pictures. pdftoppm (Debian poppler-utils, with poppler-data for
    the CJK fonts reportlab leaves unembedded) when it is installed, else PDFium."""
    if renderer == "pdftoppm" and shutil.which("pdftoppm"):
        with tempfile.TemporaryDirectory(prefix="gikportal-scan-") as tmp:
            source = Path(tmp) / "in.pdf"
            source.write_bytes(pdf)
            subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(source), str(Path(tmp) / "p")],
                           check=True, stderr=subprocess.DEVNULL, timeout=300)
            return [Image.open(p).copy() for p in sorted(Path(tmp).glob("p*.png"))]
    import pypdfium2

    doc = pypdfium2.PdfDocument(pdf)
    try:
        return [doc[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in range(len(doc))]
    finally:
        doc.close()


def scanner(image, rng):
    """What a scanner adds: up to 1° of turn, grey paper, sensor noise."""
    image = image.convert("L").rotate(float(rng.uniform(-1, 1)), resample=Image.BICUBIC, fillcolor=255)
    a = np.asarray(image).astype(np.float32)
    return Image.fromarray(np.clip(a * 0.85 + 25 + rng.normal(0, 10, a.shape), 0, 255).astype(np.uint8))


def image_pdf(images, dpi=DPI):
    """An image-only PDF of the pictures, one page each, as scanning software saves it."""
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()


def scan_pdf(pdf: bytes, seed=0, renderer="pdftoppm"):
    """The PDF printed and scanned back: an image-only PDF."""
    rng = np.random.default_rng(seed)
    return image_pdf([scanner(p, rng) for p in render_pages(pdf, renderer=renderer)])


def picture_docx(scan: bytes):
    """A DOCX holding a scan's pages as pictures, one after another (what a Word user pastes)."""
    from docx import Document as Docx
    from docx.shared import Inches

    word = Docx()
    for page in render_pages(scan, renderer="pdfium"):
        buf = io.BytesIO()
        page.save(buf, format="PNG")
        buf.seek(0)
        word.add_picture(buf, width=Inches(6))
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
