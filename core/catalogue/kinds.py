"""The output kinds a user names (file_registry.file_type), the same in vat pack, vat find and vat stats."""

KINDS = ("still_hq", "still_web", "clip", "master", "thumbnail", "rd_image", "rd_video")
DEFAULT_PACK_KINDS = ("still_web", "clip")  # what a delivery holds unless told: web stills and clips
