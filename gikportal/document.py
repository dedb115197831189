"""The hand-over between extraction and parsing: text lines and cell grids in reading order.

Extraction (bytes -> Document) knows nothing about reports; parsing (Document -> record)
knows nothing about file formats. Everything that crosses between them is in this module.
"""
from dataclasses import dataclass, field


class ExtractionError(Exception):
    """A file that cannot be read; the message is one line, in plain words, for the user."""


class NeedsOCR(ExtractionError):
    """A scan: pages or pictures without a text layer, readable only by OCR (extract's "ocr" limit)."""


@dataclass
class Table:
    """A cell grid. Merged cells are already expanded; cells are stripped strings ('' when empty)."""
    rows: list
    page: int | None = None


@dataclass
class Document:
    """blocks: str (one paragraph/line of text) or Table, in reading order."""
    blocks: list = field(default_factory=list)
    media_type: str = "text/plain"
    warnings: list = field(default_factory=list)
    ocr: dict | None = None     # engine, pages and confidence when the text was machine-read from images

    def lines(self):
        """Plain text lines, tables flattened one row per line with tabs, for prose matching."""
        for block in self.blocks:
            if isinstance(block, Table):
                for row in block.rows:
                    yield "\t".join(row)
            else:
                yield block

    @property
    def text(self):
        return "\n".join(self.lines())
