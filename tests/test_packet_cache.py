"""The masters' packet times kept between runs (core/media/packet_cache.py): a second plan of the same
master reads them instead of demuxing every packet again, and a master changed in any way is demuxed
again, never answered with another file's times."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from core.media import packet_cache
from core.media.probe import packet_times
from tests.media import make_cut_video


def entries(cache_home: Path) -> list[Path]:
    return sorted(cache_home.rglob("packets/*.npz"))


def test_the_second_read_of_a_master_s_times_is_the_cached_one(
    cut_video: Path, tmp_path: Path, cache_home: Path
) -> None:
    master = shutil.copy(cut_video, tmp_path / "master.mp4")
    first = packet_times(master)
    assert len(entries(cache_home)) == 1
    assert packet_cache.load(Path(master)) is not None
    assert packet_times(master) == first  # the same floats, from the cache
    assert len(entries(cache_home)) == 1


def test_a_master_replaced_under_its_name_is_demuxed_again(tmp_path: Path, cache_home: Path) -> None:
    master = make_cut_video(tmp_path / "master.mp4", [10, 12], audio=False)
    before = packet_times(master)
    stat = master.stat()
    other = make_cut_video(tmp_path / "other.mp4", [10, 12, 9], audio=False)
    os.replace(other, master)
    os.utime(master, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even with the old time put back
    after = packet_times(master)
    assert len(after[0]) == 31 and len(before[0]) == 22


def test_an_unreadable_entry_costs_a_demux_not_a_wrong_answer(
    cut_video: Path, tmp_path: Path, cache_home: Path
) -> None:
    master = shutil.copy(cut_video, tmp_path / "master.mp4")
    first = packet_times(master)
    (entry,) = entries(cache_home)
    entry.write_bytes(entry.read_bytes()[:40])  # cut short, as by a full disk
    assert packet_times(master) == first
