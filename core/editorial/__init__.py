"""Editorial delivery: a session's selection as an OpenTimelineIO timeline, and the EDL, .otio,
FCPXML and FCP 7 XML files written from it (README: Editorial exports)."""
