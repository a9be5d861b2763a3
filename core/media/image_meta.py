"""Saving stills with the copyright and artwork title embedded, in every format: EXIF and XMP
(JPEG, WebP, PNG, TIFF), PNG text chunks too, and a 72 dpi resolution.

EXIF text fields have no declared character set, and the common readers disagree: Pillow decodes
them as Latin-1 (always), exiftool passes the bytes through (UTF-8 unless told `-charset exif=Latin`),
Windows reads the ANSI code page (cp1252). No byte string reads back exactly in all of them, so EXIF
text is written in cp1252 wherever it fits (Pillow, Windows and `exiftool -charset exif=Latin` read it
exactly; Pillow for the Latin-1 part of cp1252 it can represent), and in UTF-8 only for text cp1252
cannot hold (exiftool's default reads that). Readers following the Metadata Working Group rule
(valid UTF-8 is UTF-8, anything else is the legacy code page) read both, and so does
`read_copyright`. XMP (always UTF-8) carries the exact text in every format.

Credits (the session's, when it has some) go where the creator is kept: EXIF Artist and XMP
dc:creator, the pair the Metadata Working Group maps onto each other (and onto IPTC By-line), which
Lightroom, Bridge, exiftool and the file managers show as the artist or creator; PNG's text chunk
for it is Author, TIFF's tag is Artist. dc:creator is an ordered list: the credits are one entry,
as typed.

A scene's still carries the scene's title in its title (dc:title, PNG Title: "Artwork — Scene
title") and the scene's note as its description: XMP dc:description, EXIF ImageDescription (which
the MWG maps onto dc:description; it holds the title where there is no note), PNG Description,
TIFF ImageDescription. A note is typed text: its line breaks and tabs are kept, any other control
character is written as a visible escape (XML 1.0 cannot hold most of them, EXIF stops at a NUL).

72 dpi: a video frame has no physical size; 72 is the EXIF and TIFF default resolution and what
frame grabs carry, where Pillow's TIFF otherwise has none (readers show 1 dpi).
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape, unescape

from PIL import Image, PngImagePlugin

EXIF_IMAGE_DESCRIPTION = 0x010E
EXIF_COPYRIGHT = 0x8298
EXIF_SOFTWARE = 0x0131
EXIF_ARTIST = 0x013B
TIFF_XMP = 700
DPI = (72, 72)
PNG_XMP_KEY = "XML:com.adobe.xmp"

_RIGHTS = re.compile(r"<dc:rights>\s*<rdf:Alt>\s*<rdf:li[^>]*>(.*?)</rdf:li>", re.S)
_CREATOR = re.compile(r"<dc:creator>\s*<rdf:Seq>\s*<rdf:li[^>]*>(.*?)</rdf:li>", re.S)
_TITLE = re.compile(r"<dc:title>\s*<rdf:Alt>\s*<rdf:li[^>]*>(.*?)</rdf:li>", re.S)
_DESCRIPTION = re.compile(r"<dc:description>\s*<rdf:Alt>\s*<rdf:li[^>]*>(.*?)</rdf:li>", re.S)


def description_text(note: str) -> str:
    """A note as metadata holds it: lines and tabs kept, other control characters as escapes."""
    from core.text import terminal_safe

    return "\n".join("\t".join(terminal_safe(part) for part in line.split("\t")) for line in note.split("\n"))


def xmp_packet(copyright_text: str, title: str, credits_text: str = "", description: str = "") -> bytes:
    rights, name = escape(copyright_text), escape(title)
    creator = ""
    if credits_text:
        creator = f"<dc:creator><rdf:Seq><rdf:li>{escape(credits_text)}</rdf:li></rdf:Seq></dc:creator>"
    if description:
        creator += (
            "<dc:description><rdf:Alt>"
            f'<rdf:li xml:lang="x-default">{escape(description_text(description))}</rdf:li>'
            "</rdf:Alt></dc:description>"
        )
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:rights><rdf:Alt><rdf:li xml:lang="x-default">{rights}</rdf:li></rdf:Alt></dc:rights>'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{name}</rdf:li></rdf:Alt></dc:title>'
        f"{creator}"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode("utf-8")


def exif_text(text: str) -> bytes:
    """The bytes of an EXIF text field: cp1252 where it fits, else UTF-8 (see the module doc)."""
    try:
        return text.encode("cp1252")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def read_exif_text(value: object) -> str | None:
    """An EXIF text field as written by `exif_text` (or by anyone following the MWG rule)."""
    if isinstance(value, str):  # Pillow decodes ASCII fields as Latin-1: recover the bytes
        value = value.encode("latin-1", "replace")
    if not isinstance(value, bytes):
        return None
    value = value.rstrip(b"\x00")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("cp1252", "replace")


def _exif(copyright_text: str, title: str, credits_text: str, description: str = "") -> Image.Exif:
    exif = Image.Exif()
    exif[EXIF_COPYRIGHT] = exif_text(copyright_text)
    exif[EXIF_IMAGE_DESCRIPTION] = exif_text(description_text(description) if description else title)
    exif[EXIF_SOFTWARE] = "vat"
    if credits_text:
        exif[EXIF_ARTIST] = exif_text(credits_text)
    return exif


def save_image(
    image: Image.Image,
    path: Path,
    fmt: str,
    *,
    quality: int | None,
    copyright_text: str,
    title: str,
    credits_text: str = "",
    dpi: tuple[int, int] = DPI,
    description: str = "",
) -> None:
    """Write `image` to `path` in `fmt` (jpg, png, tiff, webp) with the metadata embedded; `dpi`: a
    page's (the contact sheet's), not a still's."""
    if fmt in ("jpg", "webp") and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    exif = _exif(copyright_text, title, credits_text, description)
    xmp = xmp_packet(copyright_text, title, credits_text, description)
    if fmt == "jpg":
        image.save(path, "JPEG", quality=quality or 90, optimize=True, progressive=True, exif=exif, xmp=xmp, dpi=dpi)
    elif fmt == "webp":  # WebP has no resolution field
        image.save(path, "WEBP", quality=quality or 85, method=4, exif=exif, xmp=xmp)
    elif fmt == "png":
        info = PngImagePlugin.PngInfo()
        info.add_itxt("Copyright", copyright_text)
        info.add_itxt("Title", title)
        info.add_itxt("Software", "vat")
        if credits_text:
            info.add_itxt("Author", credits_text)
        if description:
            info.add_itxt("Description", description_text(description))
        info.add_itxt(PNG_XMP_KEY, xmp.decode("utf-8"))
        # Lossless at any level; 3 writes a grainy 1080p frame 2.7x faster than 6 for 4% more bytes.
        image.save(path, "PNG", pnginfo=info, compress_level=3, exif=exif, dpi=dpi)
    elif fmt == "tiff":
        shown = description_text(description) if description else title
        tags = {33432: exif_text(copyright_text), 270: exif_text(shown), 305: "vat", TIFF_XMP: xmp}
        if credits_text:
            tags[EXIF_ARTIST] = exif_text(credits_text)
        image.save(path, "TIFF", compression="tiff_deflate", tiffinfo=tags, dpi=dpi)
    else:
        raise ValueError(f"unknown image format {fmt}")


def _xmp_value(xmp: object, pattern: re.Pattern[str]) -> str | None:
    """The first match of `pattern` in an XMP packet (bytes, text, or the chunks Pillow gives)."""
    if isinstance(xmp, tuple):
        xmp = b"".join(xmp)
    if isinstance(xmp, bytes):
        xmp = xmp.decode("utf-8", "replace")
    found = pattern.search(xmp) if isinstance(xmp, str) else None
    return unescape(found.group(1)) if found else None


def xmp_rights(xmp: object) -> str | None:
    """dc:rights (x-default) from an XMP packet."""
    return _xmp_value(xmp, _RIGHTS)


def xmp_creator(xmp: object) -> str | None:
    """The first dc:creator from an XMP packet."""
    return _xmp_value(xmp, _CREATOR)


def xmp_title(xmp: object) -> str | None:
    """dc:title (x-default) from an XMP packet."""
    return _xmp_value(xmp, _TITLE)


def xmp_description(xmp: object) -> str | None:
    """dc:description (x-default) from an XMP packet."""
    return _xmp_value(xmp, _DESCRIPTION)


def title_fields(path: Path) -> dict[str, str | None]:
    """The title and description an image carries in its XMP."""
    with Image.open(path) as im:
        xmp = im.info.get("xmp")
        if xmp is None and isinstance(im, PngImagePlugin.PngImageFile):
            xmp = im.text.get(PNG_XMP_KEY)
        return {"title": xmp_title(xmp), "description": xmp_description(xmp)}


def credits_fields(path: Path) -> dict[str, str | None]:
    """The credits in each place this image carries them: exif (Artist), xmp (dc:creator), png (Author)."""
    with Image.open(path) as im:
        fields = {"exif": read_exif_text(im.getexif().get(EXIF_ARTIST)), "xmp": xmp_creator(im.info.get("xmp"))}
        if isinstance(im, PngImagePlugin.PngImageFile):
            fields["png"] = im.text.get("Author")
    return fields


def copyright_fields(path: Path) -> dict[str, str | None]:
    """The copyright in each place this image carries it: exif, xmp, and png text for PNG."""
    with Image.open(path) as im:
        fields = {"exif": read_exif_text(im.getexif().get(EXIF_COPYRIGHT)), "xmp": xmp_rights(im.info.get("xmp"))}
        if isinstance(im, PngImagePlugin.PngImageFile):
            fields["png"] = im.text.get("Copyright")
    return fields


def read_copyright(path: Path) -> str | None:
    """The copyright embedded in an image, if every place that carries it says the same (for verifying;
    a place left empty is not a disagreement: stills written before XMP went into PNG and TIFF)."""
    values = {value for value in copyright_fields(path).values() if value is not None}
    return values.pop() if len(values) == 1 else None
