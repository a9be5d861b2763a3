"""The licence a delivery pack carries as its LICENSE.txt: CC-BY-4.0 (the full public licence),
all-rights-reserved (a short notice naming the artwork, the copyright holder and the year), or the
text of a file the user gives."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.errors import BadInput
from core.text import terminal_safe

CC_BY = "CC-BY-4.0"
ALL_RIGHTS_RESERVED = "all-rights-reserved"
LICENCES = (CC_BY, ALL_RIGHTS_RESERVED)
MAX_FILE_BYTES = 1 << 20  # a licence is text: a bigger file is the wrong file


@dataclass(frozen=True)
class Licence:
    name: str  # CC-BY-4.0, all-rights-reserved, or the user file's name
    text: str


def all_rights_reserved(artwork: str, holder: str, year: int) -> str:
    holder = holder.strip() or "the copyright holder"
    if holder.startswith("©"):  # the copyright setting holds "© Studio": no second sign
        holder = holder[1:].strip()
    return (
        f"{artwork}\n\n"
        f"Copyright © {year} {holder}. All rights reserved.\n\n"
        "The stills, clips and other files of this package are delivered for the use agreed with the\n"
        "copyright holder only. No part of them may be reproduced, distributed, published, altered or\n"
        "used in any other way without the prior written permission of the copyright holder.\n"
    )


def cc_by(artwork: str, holder: str, year: int) -> str:
    from core.catalogue.cc_by_4_0 import TEXT

    holder = holder.strip().removeprefix("©").strip() or "the copyright holder"
    notice = (
        f"{artwork}\nCopyright © {year} {holder}.\n"
        "Licensed under the Creative Commons Attribution 4.0 International Public License (CC BY 4.0),\n"
        "https://creativecommons.org/licenses/by/4.0/ - its full text follows.\n\n"
    )
    return notice + TEXT


def licence_of(choice: str, *, artwork: str, holder: str, year: int) -> Licence:
    """The licence named (CC-BY-4.0, all-rights-reserved, either in any case) or read from a file."""
    for name in LICENCES:
        if choice.casefold() == name.casefold():
            maker = cc_by if name == CC_BY else all_rights_reserved
            return Licence(name, maker(artwork, holder, year))
    path = Path(choice).expanduser()
    if path.is_dir():
        raise BadInput(f"--licence {terminal_safe(choice)}: is a folder, expected a licence text file")
    if not path.is_file():
        raise BadInput(
            f"--licence {terminal_safe(choice)}: not {' or '.join(LICENCES)}, and no such file "
            "(give a licence text file)"
        )
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise BadInput(f"{terminal_safe(path)}: {path.stat().st_size:,} bytes, not a licence text (at most 1 MiB)")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise BadInput(f"{terminal_safe(path)}: not UTF-8 text, cannot be the pack's licence") from None
    except OSError as exc:
        raise BadInput(f"{terminal_safe(path)}: cannot be read ({exc.strerror})") from None
    if not text.strip():
        raise BadInput(f"{terminal_safe(path)}: empty, cannot be the pack's licence")
    return Licence(path.name, text)
