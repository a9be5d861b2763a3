"""Media files: probing, decoding single frames, ffmpeg, encoders, image metadata, verification."""
