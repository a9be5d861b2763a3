"""Stills carry the copyright as typed, read back by Pillow and by exiftool, in every format."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from core.media.image_meta import EXIF_COPYRIGHT, credits_fields, read_copyright, save_image, xmp_rights

FORMATS = ["jpg", "png", "tiff", "webp"]
TYPED = "© Yambo Studio — Zoë"  # cp1252 holds it; Latin-1 (all Pillow can return) lacks the dash
LATIN = "© Yambo Studio Zoë"
BEYOND_CP1252 = "© 山田スタジオ"  # written as UTF-8 in EXIF


def still(tmp_path: Path, fmt: str, text: str) -> Path:
    path = tmp_path / f"still_{len(text)}.{fmt}"
    save_image(
        Image.new("RGB", (48, 32), (90, 40, 20)), path, fmt, quality=None, copyright_text=text, title="Zoë & <co>"
    )
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_pillow_reads_the_exif_copyright_as_typed(fmt: str, tmp_path: Path) -> None:
    with Image.open(still(tmp_path, fmt, LATIN)) as im:
        assert im.getexif()[EXIF_COPYRIGHT] == LATIN


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("text", [TYPED, LATIN, BEYOND_CP1252])
def test_every_format_carries_xmp_rights_and_reads_back_exactly(fmt: str, text: str, tmp_path: Path) -> None:
    path = still(tmp_path, fmt, text)
    with Image.open(path) as im:
        assert xmp_rights(im.info.get("xmp")) == text
    assert read_copyright(path) == text


def test_resolution_is_72_dpi(tmp_path: Path) -> None:
    for fmt in ("tiff", "jpg", "png"):
        with Image.open(still(tmp_path, fmt, LATIN)) as im:
            assert [round(v) for v in im.info["dpi"]] == [72, 72], fmt


def exiftool(path: Path, *args: str) -> dict:
    done = subprocess.run(["exiftool", "-j", *args, str(path)], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)[0]


@pytest.mark.skipif(
    shutil.which("exiftool") is None,
    reason="exiftool is not installed (Debian: apt-get install libimage-exiftool-perl)",
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_exiftool_reads_copyright_and_rights_as_typed(fmt: str, tmp_path: Path) -> None:
    for text in (TYPED, LATIN):  # EXIF in cp1252: exiftool's "Latin"
        tags = exiftool(still(tmp_path, fmt, text), "-charset", "exif=Latin", "-Copyright", "-XMP-dc:Rights")
        assert (tags.get("Copyright"), tags.get("Rights")) == (text, text)
    tags = exiftool(still(tmp_path, fmt, BEYOND_CP1252), "-Copyright", "-XMP-dc:Rights")  # EXIF in UTF-8
    assert (tags.get("Copyright"), tags.get("Rights")) == (BEYOND_CP1252, BEYOND_CP1252)
    if fmt == "tiff":
        tags = exiftool(still(tmp_path, fmt, LATIN), "-XResolution", "-YResolution", "-ResolutionUnit")
        assert (tags["XResolution"], tags["YResolution"], tags["ResolutionUnit"]) == (72, 72, "inches")


CREDITS = "Zoë Ng & Ada <Lovelace>; 山田"


def credited_still(tmp_path: Path, fmt: str, text: str) -> Path:
    path = tmp_path / f"credited.{fmt}"
    image = Image.new("RGB", (48, 32), (90, 40, 20))
    save_image(image, path, fmt, quality=None, copyright_text=LATIN, title="T", credits_text=text)
    return path


@pytest.mark.parametrize("fmt", FORMATS)
def test_credits_are_the_exif_artist_and_xmp_creator(fmt: str, tmp_path: Path) -> None:
    fields = credits_fields(credited_still(tmp_path, fmt, CREDITS))
    assert set(fields.values()) == {CREDITS}, fields
    assert set(credits_fields(credited_still(tmp_path, fmt, "")).values()) == {None}  # none: no empty tags


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool is not installed")
@pytest.mark.parametrize("fmt", FORMATS)
def test_exiftool_reads_the_credits_as_artist_and_creator(fmt: str, tmp_path: Path) -> None:
    tags = exiftool(credited_still(tmp_path, fmt, CREDITS), "-Artist", "-XMP-dc:Creator")
    assert (tags.get("Artist"), tags.get("Creator")) == (CREDITS, CREDITS)
