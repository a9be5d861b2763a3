"""What bench/export.py prints after its runs: times and ratios, where vat's time goes, the critical
path, and the scaling model (bench/export_model.py) checked here and predicted for 8 and 16 cores."""

from __future__ import annotations

from collections import defaultdict

from export_model import (
    DEFAULT_SERIAL,
    SceneDetectWork,
    VatWork,
    detection_wall,
    efficiency,
    makespan,
    scenedetect_wall,
    serial_fraction,
    vat_wall,
)

DETECTION = "scene_detection"
Op = tuple[str, float, float]  # kind, wall, CPU seconds


def _workers(name: str) -> int:
    return int(name.split("=")[1].split()[0])


def _table(results: dict[str, tuple[float, float]]) -> None:
    sd = results.get("scenedetect")
    print(f"  {'what':<26} {'wall':>8} {'CPU':>8} {'CPU/wall':>8}   vs PySceneDetect (wall, CPU)")
    for name, (wall, cpu) in results.items():
        ratio = f"   {wall / sd[0]:.2f}, {cpu / sd[1]:.2f}" if sd and name.startswith("vat") else ""
        print(f"  {name:<26} {wall:7.1f}s {cpu:7.1f}s {cpu / wall:8.2f}{ratio}")
    vats = {_workers(n): v for n, v in results.items() if n.startswith("vat") and "nvenc" not in n}
    if 1 in vats and len(vats) > 1:
        most = max(vats)
        speedup = vats[1][0] / vats[most][0]
        print(f"  {most} workers over 1: {speedup:.2f}x wall, parallel efficiency {speedup / most:.0%}")
    if sd and vats:
        print(f"  vat (best) / PySceneDetect: {min(v[0] for v in vats.values()) / sd[0]:.2f} wall (goal <= 1.0)")


def _breakdown(name: str, ops: list[Op], wall: float) -> None:
    kinds: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for kind, op_wall, cpu in ops:
        kinds[kind][0] += 1
        kinds[kind][1] += op_wall
        kinds[kind][2] += cpu
    listed = sorted(kinds.items(), key=lambda item: -item[1][1])
    print(f"  {name}: " + ", ".join(f"{k} {int(c)}x {w:.1f}s/{cpu:.1f}s CPU" for k, (c, w, cpu) in listed))
    detection = sum(w for k, w, _ in ops if k == DETECTION)
    walls = [w for k, w, _ in ops if k != DETECTION]
    workers = _workers(name)
    span = makespan(walls, workers)
    print(
        f"    critical path: detection {detection:.1f}s (serial), then {len(walls)} operations "
        f"({sum(walls):.1f}s of work, longest {max(walls, default=0):.1f}s) on {workers} worker(s): "
        f"longest-first {span:.1f}s; the rest (start, probe, hashing, manifest) {wall - detection - span:.1f}s"
    )


def _model_inputs(
    results: dict[str, tuple[float, float]], ops: dict[str, list[Op]], serial: float | None, cores: int
) -> tuple[VatWork, SceneDetectWork | None, float] | None:
    one = ops.get("vat workers=1")
    if not one:
        return None
    wall1, cpu1 = results["vat workers=1"]
    decode_cpu = results["ffmpeg decode"][1]  # bench/detect: vat's detection CPU is 1.00-1.03x decoding's
    op_cpus = [cpu for kind, _, cpu in one if kind != DETECTION]
    encodes = [kind in ("clip", "rd_video") for kind, _, _ in one if kind != DETECTION]
    # operation_log's CPU misses PyAV's decoder threads (verification); the run's rusage does not
    scale = max(1.0, (cpu1 - decode_cpu) / sum(op_cpus)) if sum(op_cpus) else 1.0
    detection = sum(w for k, w, _ in one if k == DETECTION)
    other = max(0.0, wall1 - detection - sum(w for k, w, _ in one if k != DETECTION))
    vat = VatWork(decode_cpu, [cpu * scale for cpu in op_cpus], encodes, other)
    sd = None
    note = ""
    if "scenedetect" in results and "scenedetect detect" in results:
        (sd_wall, sd_cpu), (det_wall, det_cpu) = results["scenedetect"], results["scenedetect detect"]
        sd = SceneDetectWork(det_cpu, sd_cpu - det_cpu)
        here = serial_fraction(sd_cpu - det_cpu, sd_wall - det_wall, cores)
        if here is not None:  # on a loaded machine this is the load's, so it is shown, not used
            note = f"; PySceneDetect's clips here give {here:.3f}"
    source = "--serial" if serial is not None else "assumed"
    serial = DEFAULT_SERIAL if serial is None else serial
    print(
        f"  model inputs: detection {decode_cpu:.1f}s CPU (ffmpeg decoding's), {len(op_cpus)} operations "
        f"{sum(vat.op_cpus):.1f}s CPU (operation_log x{scale:.2f} to the run's rusage), the rest "
        f"{other:.1f}s wall; serial fraction {serial:.3f} ({source}{note})"
    )
    return vat, sd, serial


def report(
    results: dict[str, tuple[float, float]], ops: dict[str, list[Op]], cores: int, serial: float | None, cap: int
) -> None:
    _table(results)
    print("\nwhere vat's time goes (operation_log: count, wall/CPU summed over workers):")
    for name, run_ops in ops.items():
        _breakdown(name, run_ops, results[name][0])
    inputs = _model_inputs(results, ops, serial, cores)
    if inputs is None:
        print("\nno model: it needs the 1-worker run (--workers 1,...)")
        return
    vat, sd, s = inputs
    print(f"\nthe model checked here ({cores} cores; decoder threads capped at {cap}):")
    for name, (wall, _) in results.items():
        if name.startswith("vat") and "nvenc" not in name:
            predicted = vat_wall(vat, cores, _workers(name), s, cap)
            print(f"  {name:<26} measured {wall:7.1f}s  model {predicted:7.1f}s  ({predicted / wall:.2f}x)")
    detection = sum(w for k, w, _ in ops["vat workers=1"] if k == DETECTION)
    modelled = detection_wall(vat.detection_cpu, cores, cap)
    print(f"  {'vat detection':<26} measured {detection:7.1f}s  model {modelled:7.1f}s")
    if sd is not None:
        predicted = scenedetect_wall(sd, cores, s, cap)
        wall = results["scenedetect"][0]
        print(f"  {'scenedetect':<26} measured {wall:7.1f}s  model {predicted:7.1f}s  ({predicted / wall:.2f}x)")
    print("the model's prediction (vat: one worker per core; PySceneDetect: one clip at a time on all cores):")
    for n in (1, 2, 8, 16):
        fastest = min(range(1, n + 1), key=lambda w: vat_wall(vat, n, w, s, cap))
        line = (
            f"  {n:>2} cores: vat {vat_wall(vat, n, n, s, cap):7.1f}s (1 worker {vat_wall(vat, n, 1, s, cap):6.1f}s, "
            f"fastest {fastest} workers {vat_wall(vat, n, fastest, s, cap):6.1f}s)"
        )
        if sd is not None:
            sd_wall = scenedetect_wall(sd, n, s, cap)
            ratio = vat_wall(vat, n, n, s, cap) / sd_wall
            line += f", PySceneDetect {sd_wall:7.1f}s, ratio {ratio:.2f} (goal <= 0.6 at 16)"
        print(line)
    if sd is not None:  # how much the answer hangs on the one assumed figure
        ratios = [
            f"s={x:g}: {vat_wall(vat, 16, 16, x, cap) / scenedetect_wall(sd, 16, x, cap):.2f}"
            for x in (0.03, DEFAULT_SERIAL, 0.15)
        ]
        print(f"  ratio at 16 cores with another serial fraction: {', '.join(ratios)}")
    print(
        f"  parallel efficiency 1 -> 8 cores with as many workers: {efficiency(vat, 8, s, cap):.0%} (goal >= 80%); "
        f"1 -> 16: {efficiency(vat, 16, s, cap):.0%}"
    )
