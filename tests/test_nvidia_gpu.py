"""Why NVENC does not work, in one line: the GPU named, and a data-centre GPU (no NVENC engine at all)
told apart from a setup to fix. The names are nvidia-smi's own (`--query-gpu=name`), the ffmpeg
lines those it prints on a GPU without an encoder (as users reported them); no GPU is needed."""

from __future__ import annotations

import pytest

from core.media.encoders import first_reason, nvenc_status
from core.media.nvidia import explain_failure, gpu_names, has_no_nvenc_engine, parse_gpu_names
from core.pipeline.session_create import nvenc_refusal

# ffmpeg's h264_nvenc on a GPU whose NVENC is absent (HandBrake issues #1998 and #2943)
NO_ENCODER_STDERR = (
    "[h264_nvenc @ 0x55d0c4a3e440] OpenEncodeSessionEx failed: unsupported device (2)\n"
    "[h264_nvenc @ 0x55d0c4a3e440] No NVENC capable devices found\n"
    "Error initializing output stream 0:0 -- Error while opening encoder for output stream #0:0\n"
)

DATA_CENTRE = [
    "NVIDIA H200",
    "NVIDIA H200 NVL",
    "NVIDIA H100 80GB HBM3",
    "NVIDIA H100 PCIe",
    "NVIDIA H100 NVL",
    "NVIDIA H800",
    "NVIDIA H20",
    "NVIDIA GH200 480GB",
    "NVIDIA A100-SXM4-80GB",
    "A100-SXM4-40GB",  # older drivers leave out "NVIDIA"
    "NVIDIA A100 80GB PCIe",
    "NVIDIA A800 80GB PCIe",
    "NVIDIA A30",
    "NVIDIA B100",
    "NVIDIA B200",
    "NVIDIA GB200",
]
WITH_ENCODER = [
    "NVIDIA GeForce RTX 4090",
    "NVIDIA GeForce GTX 1080 Ti",
    "NVIDIA RTX A1000",  # not an A100
    "NVIDIA RTX A6000",
    "NVIDIA A10",
    "NVIDIA A16",
    "NVIDIA A40",
    "NVIDIA L4",
    "NVIDIA L40S",
    "Tesla T4",
    "Tesla V100-SXM2-16GB",
    "Quadro RTX 8000",
    "NVIDIA RTX 6000 Ada Generation",
]


@pytest.mark.parametrize("name", DATA_CENTRE)
def test_data_centre_gpus_have_no_nvenc_engine(name: str) -> None:
    assert has_no_nvenc_engine(name)


@pytest.mark.parametrize("name", WITH_ENCODER)
def test_gpus_with_an_encoder_are_not_taken_for_data_centre_ones(name: str) -> None:
    assert not has_no_nvenc_engine(name)


def test_an_h200_is_named_instead_of_ffmpegs_unsupported_device() -> None:
    reason = first_reason(NO_ENCODER_STDERR)
    assert reason == "OpenEncodeSessionEx failed: unsupported device (2)"
    names = parse_gpu_names("NVIDIA H200\n")
    assert explain_failure(names, reason) == "NVIDIA H200: no NVENC engine on this GPU (data-centre model)"


def test_eight_identical_gpus_are_named_once() -> None:
    names = parse_gpu_names("NVIDIA H100 80GB HBM3\n" * 8)
    assert len(names) == 8
    assert explain_failure(names, "x") == "NVIDIA H100 80GB HBM3: no NVENC engine on this GPU (data-centre model)"


def test_a_gpu_with_an_encoder_keeps_ffmpegs_reason_beside_its_name() -> None:
    # a GeForce whose driver lacks the encode library: a setup to fix, so ffmpeg's words stay
    assert (
        explain_failure(["NVIDIA GeForce RTX 3060"], "Cannot load libnvidia-encode.so.1")
        == "NVIDIA GeForce RTX 3060: Cannot load libnvidia-encode.so.1"
    )
    # a mixed machine: the encoder may be on the other GPU, so nothing is ruled out
    assert explain_failure(["NVIDIA H100 PCIe", "NVIDIA L4"], "y") == "NVIDIA H100 PCIe, NVIDIA L4: y"


def test_without_a_gpu_the_reason_is_ffmpegs_own() -> None:
    assert explain_failure([], "Cannot load libcuda.so.1") == "Cannot load libcuda.so.1"
    assert parse_gpu_names("") == []


def test_nvenc_asked_for_on_a_data_centre_gpu_is_refused_in_one_line() -> None:
    why = explain_failure(["NVIDIA H200"], "OpenEncodeSessionEx failed: unsupported device (2)")
    line = nvenc_refusal(why, from_setting=False)
    assert line == (
        "NVIDIA H200: no NVENC engine on this GPU (data-centre model); NVENC cannot work here: "
        "use --encoder x264 or auto"
    )
    assert "\n" not in line
    assert "encoder_preference" in nvenc_refusal(why, from_setting=True)
    # elsewhere the refusal keeps its old form
    assert nvenc_refusal("Cannot load libcuda.so.1", from_setting=False) == (
        "NVENC does not work here (Cannot load libcuda.so.1); use --encoder x264 or auto"
    )


def test_this_machines_reason_names_no_gpu_when_there_is_none() -> None:
    if gpu_names():
        pytest.skip("an NVIDIA GPU is here")
    works, why = nvenc_status()
    assert not works
    assert "NVIDIA" not in why and "data-centre" not in why
