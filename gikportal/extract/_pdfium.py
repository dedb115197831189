"""A page's characters and painted paths read with PDFium, as the object dicts pdfplumber builds.

pdfminer interprets every content stream in Python, which is most of the time a PDF takes to read
(several hundred ms for a 5-page report); PDFium (C++) reads the same page in a few ms. The dicts
made here are those pdfminer + pdfplumber make for the same page (same boxes, same rect/line/curve
classification, same fill and stroke flags), so pdfplumber's text lines and table finder give the
same result on them. A page this module cannot render the same way (rotated or offset page box,
characters without a Unicode mapping, text set at right angles, no text at all) gives None, and the
caller reads that page with pdfminer as before.
"""
import ctypes
import threading

import pypdfium2.raw as pdfium_c

_TEXT, _PATH, _FORM = pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM
_MOVE, _LINE, _BEZIER = pdfium_c.FPDF_SEGMENT_MOVETO, pdfium_c.FPDF_SEGMENT_LINETO, pdfium_c.FPDF_SEGMENT_BEZIERTO
_LOCK = threading.Lock()    # PDFium is not thread-safe: one call into it at a time (web uploads run in threads)
_MAYBE_GENERATED = frozenset((0, 2, 10, 13, 32, 0x2D, 0xFFFE))   # what PDFium may add between words/lines
_DIGITS = 4     # PDFium keeps coordinates as 32-bit floats: rounding gives back the stream's decimals


class _Rounded(dict):
    """round(value, _DIGITS), remembered: round() to digits converts through decimal digits (about a
    microsecond a call, several per character and path point), and a page's values repeat (a line's
    baseline, a font's advances, a column's left edge). Zero is not kept: 0.0 and -0.0 are one key
    but round to zeros of their own sign."""

    def __missing__(self, value):
        out = round(value, _DIGITS)
        if value:
            if len(self) >= 100_000:
                self.clear()
            self[value] = out
        return out


_r = _Rounded().__getitem__


def _prototype(function, restype, *argtypes):
    """A PDFium function called through a prototype of its own: handles go in and come back as
    plain ints, which costs less than pypdfium2's pointer objects in a loop over every character."""
    return ctypes.CFUNCTYPE(restype, *argtypes)(ctypes.cast(function, ctypes.c_void_p).value)


_V, _INT, _UINT_AT, _FLOAT_AT = ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_float)
# the calls made per page object and path segment
_PAGE_OBJECT = _prototype(pdfium_c.FPDFPage_GetObject, _V, _V, _INT)
_FORM_OBJECT = _prototype(pdfium_c.FPDFFormObj_GetObject, _V, _V, ctypes.c_ulong)
_FORM_COUNT = _prototype(pdfium_c.FPDFFormObj_CountObjects, _INT, _V)
_OBJECT_TYPE = _prototype(pdfium_c.FPDFPageObj_GetType, _INT, _V)
_OBJECT_MATRIX = _prototype(pdfium_c.FPDFPageObj_GetMatrix, _INT, _V, _V)
_DRAW_MODE = _prototype(pdfium_c.FPDFPath_GetDrawMode, _INT, _V, _V, _V)
_STROKE_COLOR = _prototype(pdfium_c.FPDFPageObj_GetStrokeColor, _INT, _V, _UINT_AT, _UINT_AT, _UINT_AT, _UINT_AT)
_FILL_COLOR = _prototype(pdfium_c.FPDFPageObj_GetFillColor, _INT, _V, _UINT_AT, _UINT_AT, _UINT_AT, _UINT_AT)
_STROKE_WIDTH = _prototype(pdfium_c.FPDFPageObj_GetStrokeWidth, _INT, _V, _FLOAT_AT)
_COUNT_SEGMENTS = _prototype(pdfium_c.FPDFPath_CountSegments, _INT, _V)
_SEGMENT = _prototype(pdfium_c.FPDFPath_GetPathSegment, _V, _V, _INT)
_SEGMENT_TYPE = _prototype(pdfium_c.FPDFPathSegment_GetType, _INT, _V)
_SEGMENT_POINT = _prototype(pdfium_c.FPDFPathSegment_GetPoint, _INT, _V, _V, _V)
_SEGMENT_CLOSE = _prototype(pdfium_c.FPDFPathSegment_GetClose, _INT, _V)


def _matrix(obj):
    m = (ctypes.c_float * 6)()      # FS_MATRIX: a, b, c, d, e, f
    if not _OBJECT_MATRIX(obj, ctypes.addressof(m)):
        return None
    return tuple(m)


def _mult(m1, m0):
    """m1 then m0 (pdfminer's mult_matrix order)."""
    a1, b1, c1, d1, e1, f1 = m1
    a0, b0, c0, d0, e0, f0 = m0
    return (a0 * a1 + c0 * b1, b0 * a1 + d0 * b1, a0 * c1 + c0 * d1, b0 * c1 + d0 * d1,
            a0 * e1 + c0 * f1 + e0, b0 * e1 + d0 * f1 + f0)


_RGBA = tuple(ctypes.c_uint() for _ in range(4))


def _color(getter, obj):
    r, g, b, a = _RGBA
    if not getter(obj, r, g, b, a):
        return None
    return (r.value / 255, g.value / 255, b.value / 255)


def _segments(obj, matrix):
    """The path as pdfminer records it: [(op, (x, y))] with op m, l, c or h, in page space."""
    a, b, c, d, e, f = matrix
    xy = (ctypes.c_float * 2)()
    x_at = ctypes.addressof(xy)
    y_at = x_at + ctypes.sizeof(ctypes.c_float)
    path, start, bezier = [], None, 0
    for i in range(_COUNT_SEGMENTS(obj)):
        seg = _SEGMENT(obj, i)
        kind = _SEGMENT_TYPE(seg)
        _SEGMENT_POINT(seg, x_at, y_at)
        x, y = xy
        pt = (_r(a * x + c * y + e), _r(b * x + d * y + f))
        if kind == _MOVE:
            path.append(("m", pt))
            start, bezier = pt, 0
        elif kind == _LINE:
            path.append(("l", pt))
        elif kind == _BEZIER:
            bezier += 1
            if bezier % 3:
                continue            # control points: pdfminer keeps a curve's end point only
            path.append(("c", pt))
        else:
            return None
        if _SEGMENT_CLOSE(seg):
            # PDFium closes a subpath by a line back to its start; pdfminer records an 'h' there
            if path[-1][0] == "l" and pt == start:
                path[-1] = ("h", pt)
            else:
                path.append(("h", start))
    return path


def _path_objects(path, paint, height, out):
    """pdfminer's paint_path: one subpath each; 2 points a line, an axis-aligned closed quad a rect."""
    shape = "".join(op for op, _ in path)
    if shape[:1] != "m":
        return
    if shape.count("m") > 1:
        start = 0
        for i in range(1, len(path) + 1):
            if i == len(path) or path[i][0] == "m":
                if i - start > 1:
                    _path_objects(path[start:i], paint, height, out)
                start = i
        return
    pts = [pt for _, pt in path]
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape = shape[:-2] + "h"
        pts.pop()
    if shape in ("mlh", "ml"):
        kind, pts = "line", pts[:2]
    elif shape in ("mlllh", "mllll"):
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
        if pts[0] == pts[4] and square:
            kind = "rect"
            (rx0, ry0), (rx1, ry1) = pts[0], pts[2]
            pts = [(rx0, ry0), (rx1, ry0), (rx1, ry1), (rx0, ry1)]
        else:
            kind = "curve"
    else:
        kind = "curve"
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    out.setdefault(kind, []).append(dict(
        paint, object_type=kind, x0=x0, y0=y0, x1=x1, y1=y1, width=x1 - x0, height=y1 - y0,
        top=height - y1, bottom=height - y0, pts=[(px, height - py) for px, py in pts]))


def _paths(container, count, get, parent, height, out, skip):
    """Path objects of a page or a form XObject (recursively), False if one cannot be read."""
    mode_stroke = (ctypes.c_int * 2)()
    mode_at = ctypes.addressof(mode_stroke)
    stroke_at = mode_at + ctypes.sizeof(ctypes.c_int)
    width = ctypes.c_float()
    for i in range(count):
        obj = get(container, i)
        kind = _OBJECT_TYPE(obj)
        if kind == _FORM:
            matrix = _matrix(obj)
            if matrix is None or not _paths(obj, _FORM_COUNT(obj), _FORM_OBJECT,
                                            _mult(matrix, parent) if parent else matrix, height, out, skip):
                return False
        elif kind == _PATH:
            if not _DRAW_MODE(obj, mode_at, stroke_at):
                return False
            mode, stroke = mode_stroke
            if not (stroke or mode):
                continue                # a clipping path ('n'): pdfminer paints nothing either
            stroked, filled = bool(stroke), bool(mode)
            paint = {"stroke": stroked, "fill": filled,     # the colour of a flag not set is read only if kept
                     "stroking_color": _color(_STROKE_COLOR, obj) if stroked else None,
                     "non_stroking_color": _color(_FILL_COLOR, obj) if filled else None}
            if skip is not None and skip(paint):
                continue
            if not stroked:
                paint["stroking_color"] = _color(_STROKE_COLOR, obj)
            if not filled:
                paint["non_stroking_color"] = _color(_FILL_COLOR, obj)
            matrix = _matrix(obj)
            if matrix is None:
                return False
            if parent:
                matrix = _mult(matrix, parent)
            path = _segments(obj, matrix)
            if path is None:
                return False
            _STROKE_WIDTH(obj, width)
            paint["evenodd"] = mode == pdfium_c.FPDF_FILLMODE_ALTERNATE
            paint["linewidth"] = width.value
            _path_objects(path, paint, height, out)
    return True


def font_descents(page_obj):
    """{BaseFont: descent per unit of font size} of the page's fonts as pdfminer reads them (a font
    named twice with two descents is left out, so its characters fall back to pdfminer)."""
    from pdfminer.fontmetrics import FONT_METRICS
    from pdfminer.pdftypes import resolve1

    out, clash = {}, set()
    try:
        fonts = resolve1(resolve1(page_obj.resources or {}).get("Font")) or {}
        for spec in fonts.values():
            spec = resolve1(spec)
            if not isinstance(spec, dict):
                continue
            subtype = getattr(resolve1(spec.get("Subtype")), "name", None)
            name = getattr(resolve1(spec.get("BaseFont")), "name", None)
            if not isinstance(name, str) or subtype == "Type3":
                continue
            if subtype == "Type0":
                spec = resolve1(resolve1(spec.get("DescendantFonts"))[0])
            descriptor = resolve1(spec.get("FontDescriptor"))
            if descriptor is None and subtype == "Type1" and name in FONT_METRICS:
                descent = FONT_METRICS[name][0].get("Descent", 0)
            else:
                descent = resolve1((descriptor or {}).get("Descent", 0))
            descent = -abs(float(descent)) / 1000
            if out.get(name, descent) != descent:
                clash.add(name)
            out[name] = descent
    except Exception:
        return {}
    for name in clash:
        del out[name]
    # PDFium may name a subset font without its tag (ABCDEF+): those names too, when unambiguous
    stripped = {}
    for name, descent in out.items():
        if len(name) > 7 and name[6] == "+" and name[:6].isupper():
            stripped.setdefault(name[7:], set()).add(descent)
    for name, values in stripped.items():
        if len(values) == 1 and name not in out and name not in clash:
            out[name] = values.pop()
    return out


_TEXT_OBJECT = _prototype(pdfium_c.FPDFText_GetTextObject, _V, _V, _INT)
_OBJECT_FONT = _prototype(pdfium_c.FPDFTextObj_GetFont, _V, _V)
_FONT_NAME = _prototype(pdfium_c.FPDFFont_GetBaseFontName, ctypes.c_size_t, _V, ctypes.c_char_p, ctypes.c_size_t)
# the calls made per character: the text page as an int, the out-parameters by their addresses
_IS_GENERATED = _prototype(pdfium_c.FPDFText_IsGenerated, _INT, _V, _INT)
_MAP_ERROR = _prototype(pdfium_c.FPDFText_HasUnicodeMapError, _INT, _V, _INT)
_LOOSE_BOX = _prototype(pdfium_c.FPDFText_GetLooseCharBox, _INT, _V, _INT, _V)
_ORIGIN = _prototype(pdfium_c.FPDFText_GetCharOrigin, _INT, _V, _INT, _V, _V)
_CHAR_MATRIX = _prototype(pdfium_c.FPDFText_GetMatrix, _INT, _V, _INT, _V)
_FONT_SIZE = _prototype(pdfium_c.FPDFText_GetFontSize, ctypes.c_double, _V, _INT)


def _descent(font, descents, named):
    """The descent below the baseline per unit of font size (negative) pdfminer gives the font
    (its address): its descriptor's, by the font's name in the page resources; cached per font;
    None if unknown."""
    if font not in descents:
        size = _FONT_NAME(font, None, 0)
        buffer = ctypes.create_string_buffer(size)
        _FONT_NAME(font, buffer, size)
        raw = buffer.value
        try:
            name = raw.decode("utf-8")
        except UnicodeDecodeError:
            name = raw.decode("latin-1")
        descents[font] = named.get(name)
    return descents[font]


def _chars(textpage, height, named, page_number, doctop):
    """The page's characters with pdfminer's boxes, or None.

    pdfminer's box of a character runs from its origin along its advance, and from the font's
    descent below the baseline up one font size; PDFium gives the origin, the font's descent and
    (in its loose box) the advance. A box PDFium left in text space is scaled as pdfminer's is."""
    tp = ctypes.cast(textpage.raw, ctypes.c_void_p).value
    count = pdfium_c.FPDFText_CountChars(textpage.raw)
    if count <= 0 or not tp:
        return None
    text = (ctypes.c_ushort * (count + 1))()
    if pdfium_c.FPDFText_GetText(textpage.raw, 0, count, text) != count + 1:
        return None
    codes = text[:count]
    xy = (ctypes.c_double * 2)()
    x_at = ctypes.addressof(xy)
    y_at = x_at + ctypes.sizeof(ctypes.c_double)
    box = pdfium_c.FS_RECTF()
    box_at = ctypes.addressof(box)
    m = pdfium_c.FS_MATRIX()
    m_at = ctypes.addressof(m)
    descents = {}
    chars = []
    append = chars.append
    generated, map_error, loose, origin = _IS_GENERATED, _MAP_ERROR, _LOOSE_BOX, _ORIGIN
    matrix, font_size, text_object, object_font, r = _CHAR_MATRIX, _FONT_SIZE, _TEXT_OBJECT, _OBJECT_FONT, _r
    last = -1       # the text object of the previous character: its characters share its font, size and matrix
    for i, code in enumerate(codes):
        if code in _MAYBE_GENERATED and generated(tp, i):
            continue                    # spaces and line breaks PDFium infers: not in the PDF
        if not code or 0xD800 <= code < 0xE000 or map_error(tp, i) or not loose(tp, i, box_at) \
                or not origin(tp, i, x_at, y_at):
            return None
        obj = text_object(tp, i)
        if obj != last:
            font = object_font(obj) if obj else None
            if not font:
                return None
            descent = descents[font] if font in descents else _descent(font, descents, named)
            if descent is None or not matrix(tp, i, m_at):
                return None
            size = font_size(tp, i)
            low = descent * size
            ma, mb, mc, md = m.a, m.b, m.c, m.d
            upright = not mb and not mc and ma == md and ma > 0     # upright, unrotated: most characters
            if upright:
                a = r(ma)
                a_low, a_size, a_size3 = a * low, a * size, 3 * a * size
            last = obj
        ox, oy = r(xy[0]), r(xy[1])
        advance = r(box.right - box.left)       # a * advance
        if upright:
            if box.top - box.bottom > a_size3:
                advance = r(advance * a)        # a box PDFium left in text space (not scaled)
            x1, y0 = ox + advance, oy + a_low
            y1 = y0 + a_size
            top = height - y1
            append({
                "object_type": "char", "text": chr(code), "x0": ox, "y0": y0, "x1": x1, "y1": y1,
                "width": x1 - ox, "height": y1 - y0, "size": y1 - y0, "top": top, "bottom": height - y0,
                "matrix": (a, 0.0, 0.0, a, ox, oy), "upright": True, "adv": advance / a,
                "doctop": doctop + top, "page_number": page_number})
            continue
        a, b, c, d = r(ma), r(mb), r(mc), r(md)
        if abs(a) < 1e-4:
            return None                 # set at a right angle: the advance cannot be told from the box
        if abs(d) > 1e-4 and abs(box.top - box.bottom - size) < 1e-3 * size and abs(abs(d) - 1) > 1e-3:
            advance = r(advance * a)            # a box PDFium left in text space (not scaled)
        x0, y0 = ox + c * low, oy + d * low
        x1, y1 = ox + advance + c * (low + size), oy + b * advance / a + d * (low + size)
        if x1 < x0:
            x0, x1 = x1, x0
        if y1 < y0:
            y0, y1 = y1, y0
        top = height - y1
        append({
            "object_type": "char", "text": chr(code), "x0": x0, "y0": y0, "x1": x1, "y1": y1,
            "width": x1 - x0, "height": y1 - y0, "size": y1 - y0, "top": top, "bottom": height - y0,
            "matrix": (a, b, c, d, ox, oy), "upright": a * d > 0 and b * c <= 0, "adv": advance / a,
            "doctop": doctop + top, "page_number": page_number})
    return chars


def page_objects(page, height, page_number, doctop, named, skip=None):
    """{'char': [...], 'rect': [...], 'line': [...], 'curve': [...]} of a pypdfium2 page in pdfplumber's
    coordinates (top-left origin), or None when the page must be read by pdfminer. skip(paint) tells
    from a path's stroke and fill flags and the colours of the flags set (the other colour is None
    then) that the caller has no use for it (it is then not read point by point: WPS paints
    hundreds of invisible boxes per page)."""
    left, bottom, right, top = page.get_mediabox()
    if page.get_rotation() or abs(left) > 1e-3 or abs(bottom) > 1e-3 or abs(top - bottom - height) > 1e-2:
        return None
    textpage = page.get_textpage()
    try:
        chars = _chars(textpage, height, named, page_number, doctop)
    finally:
        textpage.close()
    if not chars:
        return None
    objects = {"char": chars}
    raw = page.raw
    if not _paths(ctypes.cast(raw, ctypes.c_void_p).value, pdfium_c.FPDFPage_CountObjects(raw), _PAGE_OBJECT, None,
                  height, objects, skip):
        return None
    for kind, found in objects.items():
        if kind != "char":
            for obj in found:
                obj["doctop"] = doctop + obj["top"]
                obj["page_number"] = page_number
    return objects


def open_document(data, count):
    """The PDF opened by PDFium, or None if PDFium cannot open it or counts other pages than pdfminer."""
    import pypdfium2

    with _LOCK:
        try:
            doc = pypdfium2.PdfDocument(data)
        except Exception:
            return None
        if len(doc) != count:
            doc.close()
            return None
        return doc


def close_document(doc):
    with _LOCK:
        doc.close()


def read_page(doc, index, height, page_number, doctop, named, skip=None):
    """page_objects of one page, the page closed again (memory stays bounded); None on any failure."""
    with _LOCK:
        try:
            page = doc[index]
        except Exception:
            return None
        try:
            return page_objects(page, height, page_number, doctop, named, skip)
        except Exception:
            return None
        finally:
            page.close()


def pdfminer_maps(pdf, page_obj):
    """Whether pdfminer maps every font of the page to Unicode: a CID font without a ToUnicode map
    and with a character collection pdfminer has no table for reads as '(cid:N)' there, and that
    page is left to pdfminer so the caller notices the unmapped text as before."""
    from pdfminer.cmapdb import CMapDB
    from pdfminer.pdftypes import resolve1

    try:
        fonts = resolve1(resolve1(page_obj.resources or {}).get("Font")) or {}
        for spec in fonts.values():
            spec = resolve1(spec)
            if not isinstance(spec, dict) or resolve1(spec.get("Subtype")) is None:
                return False
            if getattr(resolve1(spec.get("Subtype")), "name", None) != "Type0" or "ToUnicode" in spec:
                continue
            sub = resolve1(resolve1(spec.get("DescendantFonts"))[0])
            info = resolve1(sub.get("CIDSystemInfo")) or {}
            registry = resolve1(info.get("Registry", b"unknown"))
            ordering = resolve1(info.get("Ordering", b"unknown"))
            coding = f"{registry.decode('latin1').strip()}-{ordering.decode('latin1').strip()}"
            if coding in ("Adobe-Identity", "Adobe-UCS"):
                return False
            try:
                CMapDB.get_unicode_map(coding, False)
            except CMapDB.CMapNotFound:
                return False
        return True
    except Exception:
        return False
