"""The archive's folder layout and file names (README: What `vat run` makes)."""

from __future__ import annotations

from pathlib import Path

from core.pipeline.name_template import Naming
from core.pipeline.naming import project_folder_name


class Layout:
    def __init__(
        self,
        out_root: Path,
        project_date: str,
        artwork: str,
        slug: str,
        scene_count: int,
        naming: Naming | None = None,
    ):
        self.root = Path(out_root) / project_folder_name(project_date, artwork)
        self.slug = slug
        self.digits = max(3, len(str(scene_count)))
        # the names of a unit's outputs: the preset's template (the default gives today's names)
        self.naming = naming or Naming(slug, project_date)
        # the per-scene outputs' folders, joined once: a plan of 3,000 scenes names 12,000 files
        self._hq, self._web = self.root / "stills" / "hq", self.root / "stills" / "web"
        self._clips, self._thumbs = self.root / "clips", self.root / "thumbnails"

    def _scene_stem(self, scene: int, kind: str) -> str:
        return self.naming.stem(self.scene_tag(scene), scene, kind, self.naming.group_of(scene))

    def scene_tag(self, index: int) -> str:
        return f"s{index:0{self.digits}d}"

    @staticmethod
    def group_tag(number: int) -> str:
        return f"g{number:02d}"

    def master(self, suffix: str) -> Path:
        return self.root / "masters" / f"{self.slug}_master{suffix.lower()}"

    def still_hq(self, scene: int, fmt: str) -> Path:
        return self._hq / f"{self._scene_stem(scene, 'hq')}.{fmt}"

    def still_web(self, scene: int, fmt: str) -> Path:
        return self._web / f"{self._scene_stem(scene, 'web')}.{fmt}"

    def clip(self, tag: str, first_scene: int, group: int | None = None) -> Path:
        """A scene's clip (tag s003) or a group's (tag g01, its first scene, its number)."""
        if group is None:
            group = self.naming.group_of(first_scene)
        return self._clips / f"{self.naming.stem(tag, first_scene, '', group)}.mp4"

    def thumbnail(self, scene: int, fmt: str) -> Path:
        return self._thumbs / f"{self._scene_stem(scene, 'thumb')}.{fmt}"

    # `name`: the R&D file's safe relative path without its extension (core/rd_names.py)
    def rd_image(self, name: Path, variant: str, fmt: str) -> Path:
        return self.root / "rd" / "images" / name.parent / f"{name.name}_{variant}.{fmt}"

    def rd_video(self, name: Path) -> Path:
        return self.root / "rd" / "videos" / name.parent / f"{name.name}.mp4"

    @property
    def process_log(self) -> Path:
        return self.root / f"{self.slug}_process_log.txt"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    def contact_sheet(self, suffix: str) -> Path:
        return self.root / f"{self.slug}_contact_sheet.{suffix}"

    @property
    def index_page(self) -> Path:
        return self.root / "index.html"
