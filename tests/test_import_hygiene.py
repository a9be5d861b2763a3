"""core/ and db/ never import Textual: checked in a fresh interpreter, module by module."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_core_and_db_never_import_textual() -> None:
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for pkg in ("core", "db")
        for p in (ROOT / pkg).rglob("*.py")
    )
    modules = [m.removesuffix(".__init__") for m in modules]
    assert "core.media.ffmpeg" in modules and "db" in modules
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "", f"textual imported by core/db: {done.stdout}"


def test_db_imports_nothing_from_core() -> None:
    """db/ is the bottom floor: importing every db module loads no core module."""
    modules = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts) for p in (ROOT / "db").rglob("*.py"))
    modules = [m.removesuffix(".__init__") for m in modules]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m == 'core' or m.startswith('core.'))\n"
        "print(','.join(bad))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert done.stdout.strip() == "", f"db imports core: {done.stdout}"


def test_db_default_path_is_in_the_data_folder() -> None:
    """db/ reads platformdirs itself; it must land in the same folder core.dirs names."""
    import os

    from core import dirs
    from db.connection import db_file

    saved = os.environ.pop("VAT_DB", None)
    try:
        assert db_file() == dirs.data_dir() / "state.db"
    finally:
        if saved is not None:
            os.environ["VAT_DB"] = saved


def test_a_sqlite_vat_never_imports_the_postgresql_driver() -> None:
    """psycopg (the postgres extra, installed here) costs 0.1-0.2 s of every start: peewee would import it
    at its own import; vat hands it over only when a PostgreSQL catalogue is opened (db/lazy_driver.py)."""
    code = (
        "import sys, tempfile, os\n"
        "import tui.cli.main\n"
        "from db.connection import open_database\n"
        "from db.models import ProcessingState\n"
        "open_database(os.path.join(tempfile.mkdtemp(), 'state.db'))\n"
        "ProcessingState.select().count()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('psycopg', 'psycopg_binary')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"
    import psycopg  # noqa: F401  the check above means something only where the driver is installed
