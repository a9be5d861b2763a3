"""vat's domain services: ffmpeg, probing, scenes, presets, plans and the runner. Never imports Textual."""
