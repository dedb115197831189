"""The benchmark's corpus: generated reports in the formats offices publish, cached on disk.

Report i is tools.generate's report i (its numbers, its text layout); its format is drawn from
MIX so that the corpus holds exactly the stated shares. The files are made the way offices make
them (tools/formats.py): DOCX with python-docx (page border, running header, 第 N 页 共 M 页
footer), PDF from that DOCX through LibreOffice headless or straight from reportlab, HTML as a
portal saves its page (GBK or UTF-8), and the generator's own text.

Cost: LibreOffice takes about half a second of CPU per DOCX, more than ingesting the PDF, so only
the first `pdf_pool` office PDFs are distinct reports, converted in a few large batches (one
soffice process per core, each converting many files). Every further office-PDF slot is a copy of
pool entry (slot mod pool) with a comment after its %%EOF: other bytes (another id, archived and
parsed again at the same cost) but the same record apart from its id. The rest of the corpus is all
distinct. A corpus is written once per (seed, size, mix, pool, generator and writers' source) under
~/.cache/gikportal-bench/ (or `root`) and reused; manifest.json, written last, marks it complete.
"""
import concurrent.futures
import hashlib
import json
import os
import random
import shutil
import tempfile
from pathlib import Path

from .generate import generate

# kind -> share in percent; the kind names the way the file is made, FORMATS the extension
MIX = {"pdf-office": 45, "pdf-reportlab": 15, "docx": 20, "html": 10, "text": 10}
FORMATS = {"pdf-office": "pdf", "pdf-reportlab": "pdf", "docx": "docx", "html": "html", "text": "txt"}
PDF_POOL = 400
CACHE = Path.home() / ".cache" / "gikportal-bench"
_SOURCES = ("generate.py", "formats.py", "corpus.py")


def parse_mix(text):
    """'pdf-office=45,docx=20,...' -> {kind: share}; unknown kinds are an error."""
    mix = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, share = part.partition("=")
        if kind not in FORMATS:
            raise ValueError(f"unknown kind {kind!r}; kinds: {', '.join(FORMATS)}")
        mix[kind] = float(share)
    return mix


def kinds_for(n, mix, seed=0):
    """The kind of each of n slots: exact shares (largest remainder), in a seeded order."""
    total = sum(mix.values())
    quotas = {k: n * v / total for k, v in mix.items()}
    counts = {k: int(q) for k, q in quotas.items()}
    for k in sorted(quotas, key=lambda k: counts[k] - quotas[k])[:n - sum(counts.values())]:
        counts[k] += 1
    kinds = [k for k in mix for _ in range(counts[k])]
    random.Random(f"corpus-{seed}").shuffle(kinds)
    return kinds


def corpus_dir(n, seed, mix, pdf_pool, root=None):
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(json.dumps([sorted(mix.items()), pdf_pool]).encode())
    for name in _SOURCES:
        digest.update((here / name).read_bytes())
    return Path(root or CACHE) / f"{seed}-{n}-{digest.hexdigest()[:10]}"


def build(n, seed=0, mix=None, pdf_pool=PDF_POOL, root=None, workers=None, log=None):
    """The corpus in slot order and whether it came from the cache: ([(path, kind, text_bytes)],
    cached), text_bytes being the size of the report's text as the generator wrote it."""
    mix = dict(mix or MIX)
    folder = corpus_dir(n, seed, mix, pdf_pool, root)
    manifest = folder / "manifest.json"
    if manifest.exists():
        entries = json.loads(manifest.read_text())["files"]
        if all((folder / name).exists() for name, _, _ in entries):
            return [(folder / name, kind, size) for name, kind, size in entries], True
    workers = workers or os.cpu_count() or 1
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    kinds = kinds_for(n, mix, seed)
    office = [i for i, k in enumerate(kinds) if k == "pdf-office"]
    pool = office[:max(1, pdf_pool)]
    with tempfile.TemporaryDirectory(prefix="gikportal-corpus-", dir=folder) as tmp:
        chunks = [range(start, min(start + 200, n)) for start in range(0, n, 200)]
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as ex:
            written = [entry for part in ex.map(_write_chunk, [(folder, tmp, seed, kinds, set(pool), c)
                                                               for c in chunks]) for entry in part]
        names = [name for name, _ in written]
        if log:
            log(f"corpus: {n - len(office) + len(pool)} files written, converting {len(pool)} DOCX to PDF")
        _convert(tmp, folder, [names[i] for i in pool], workers)
        for j, i in enumerate(office[len(pool):]):
            source = folder / names[pool[j % len(pool)]]
            (folder / names[i]).write_bytes(source.read_bytes() + f"\n%gikportal-bench copy {i}\n".encode())
            written[i] = (names[i], written[pool[j % len(pool)]][1])
    manifest.write_text(json.dumps({"seed": seed, "n": n, "mix": mix, "pdf_pool": pdf_pool,
                                    "files": [[name, kind, size] for (name, size), kind in zip(written, kinds)]},
                                   indent=0))
    return [(folder / name, kind, size) for (name, size), kind in zip(written, kinds)], False


def _write_chunk(args):
    """Runs in a worker: write slots `indexes` (office-pool slots as DOCX into tmp); [(name, text bytes)]."""
    from gikportal.extract.text import read_text_document

    from . import formats

    folder, tmp, seed, kinds, pool, indexes = args
    names = []
    for i, rep in enumerate(generate(indexes.stop, seed, start=indexes.start), indexes.start):
        kind = kinds[i]
        name = f"{i:06d}-{Path(rep.filename).stem}.{FORMATS[kind]}"
        names.append((name, len(rep.data)))
        if kind == "text":
            (Path(folder) / name).write_bytes(rep.data)
            continue
        if kind == "pdf-office" and i not in pool:
            continue  # a copy of a pool entry, made after the conversion
        doc = read_text_document(rep.data)
        if kind == "html":
            data = formats.to_html(doc, encoding="gbk" if i % 2 else "utf-8")
        elif kind == "pdf-reportlab":
            data = _reportlab_pdf(formats, doc)
        else:
            data = formats.to_office_docx(doc)
        if kind == "pdf-office":
            (Path(tmp) / (Path(name).stem + ".docx")).write_bytes(data)
        else:
            (Path(folder) / name).write_bytes(data)
    return names


def _reportlab_pdf(formats, doc):
    """reportlab cannot break a table inside a merged cell: a wide table 3 whose merged label is
    taller than a page is set in a smaller type, or at last without rules and spans."""
    from reportlab.platypus.doctemplate import LayoutError

    for options in ({}, {"font_size": 6}, {"ruled": False}):
        try:
            return formats.to_pdf(doc, **options)
        except LayoutError:
            continue
    raise RuntimeError("reportlab could not lay the report out")


def _convert(tmp, folder, names, workers, batch=100):
    """LibreOffice converts the pool's DOCX in batches, one soffice per core at a time."""
    if not names:
        return
    if shutil.which("soffice") is None:
        raise RuntimeError("LibreOffice is needed for office PDFs: apt-get install libreoffice-writer-nogui")
    from .formats import office_pdfs

    sources = [Path(tmp) / (Path(name).stem + ".docx") for name in names]
    batches = [sources[i:i + batch] for i in range(0, len(sources), batch)]

    def run(k):
        return office_pdfs(batches[k], folder, Path(tmp) / f"profile-{k % workers}")

    # one profile per concurrent soffice: LibreOffice locks its user installation
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
        for k in range(0, len(batches), workers):
            list(ex.map(run, range(k, min(k + workers, len(batches)))))
