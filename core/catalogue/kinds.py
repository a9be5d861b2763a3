"""The output kinds a user names (file_registry.file_type), the same in vat pack, vat find and vat stats."""

KINDS = ("still_hq", "still_web", "clip", "master", "thumbnail", "rd_image", "rd_video")
DEFAULT_PACK_KINDS = ("still_web", "clip")  # what a delivery holds unless told: web stills and clips

# what compression_ratio weighs the master against (core/pipeline/report.py, vat stats): every output
# but the master copy, its chapters sidecar and the records (manifest.json, the process log, the
# editorial files, the contact sheet and index.html), which describe the deliverables and are not media
NOT_DELIVERABLES = (
    "master",
    "chapters",
    "manifest",
    "process_log",
    "editorial",
    "contact_sheet",
    "contact_sheet_pdf",
    "index_page",
)
