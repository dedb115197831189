"""A file of named numpy arrays, read memory-mapped: opening it costs one header, not its size.

index.py keeps each index segment's columns (facet codes, figures, lengths, the hit JSON) in
one such file beside the segment, so a process opening an index with 100,000 reports maps a few
files instead of parsing 100,000 JSON documents; the operating system reads a column's pages
when a query first touches them. Layout: an 8-byte magic, the header's offset (uint64), the
arrays (each 64-byte aligned), then the JSON header ({"arrays": {name: [dtype, shape, offset]},
"extra": {...}}). Files are written under a dot-name and renamed into place, so a reader sees
a whole file or none.
"""
import json
import mmap
import os
import struct
import uuid
from pathlib import Path

import numpy as np

MAGIC = b"GIKCOL1\n"
ALIGN = 64


def write(path, arrays, extra=None):
    """Write {name: array} and a JSON-able `extra` to path atomically."""
    path = Path(path)
    tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:8]}.tmp"
    header = {"arrays": {}, "extra": extra or {}}
    try:
        with open(tmp, "wb") as out:
            out.write(MAGIC + struct.pack("<Q", 0))
            for name, array in arrays.items():
                array = np.ascontiguousarray(array)
                pad = -out.tell() % ALIGN
                out.write(b"\0" * pad)
                header["arrays"][name] = [array.dtype.str, list(array.shape), out.tell()]
                out.write(array.tobytes())
            at = out.tell()
            out.write(json.dumps(header, ensure_ascii=False).encode("utf-8"))
            out.seek(len(MAGIC))
            out.write(struct.pack("<Q", at))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def read(path):
    """({name: read-only array backed by the file's pages}, extra); ValueError if not such a file."""
    with open(path, "rb") as f:
        head = f.read(len(MAGIC) + 8)
        if len(head) < len(MAGIC) + 8 or head[:len(MAGIC)] != MAGIC:
            raise ValueError(f"{path}: not a column file")
        (at,) = struct.unpack("<Q", head[len(MAGIC):])
        if at == 0:
            raise ValueError(f"{path}: unfinished column file")
        f.seek(at)
        header = json.loads(f.read().decode("utf-8"))
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if at > len(head) else None
    arrays = {}
    for name, (dtype, shape, offset) in header["arrays"].items():
        dtype = np.dtype(dtype)
        count = int(np.prod(shape)) if shape else 1
        if count == 0 or mapped is None:
            arrays[name] = np.zeros(shape, dtype=dtype)
        else:
            arrays[name] = np.frombuffer(mapped, dtype=dtype, count=count, offset=offset).reshape(shape)
    return arrays, header["extra"]
