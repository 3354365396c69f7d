"""Real-time commands: `export` (ONNX), `bench-latency`, `stream` (replay or LSL), `publish`."""

from __future__ import annotations

import json
from pathlib import Path

from .options import add_settings, add_untrained_options, settings_given, untrained_given

ADAPT = "adapt."


def add_parser(sub) -> None:
    from ..adaptation.online import AdaptConfig

    e = sub.add_parser("export", help="export a network checkpoint to ONNX (parity-checked)")
    e.add_argument("checkpoint", type=Path)
    e.add_argument("--onnx", type=Path, required=True, help="the .onnx file to write")
    e.add_argument("--data", default=None, help="real recordings for the parity check "
                   "(a dataset folder or file; default: cmu-walking)")  # fmt: skip
    e.set_defaults(func=run_export)

    b = sub.add_parser("bench-latency", help="time StreamingPredictor.push on a real trial")
    b.add_argument("checkpoint", help="a checkpoint file or a shipped model's name")
    b.add_argument("--backend", choices=["auto", "onnx", "torch"], default="auto")
    b.add_argument("--pushes", type=int, default=20000, help="timed pushes (at least 10000)")
    b.add_argument("--data", default=None, help="recording or dataset to replay")
    b.add_argument(
        "--adapt",
        action="store_true",
        help="also time an adapting predictor, side by side, and give the added cost",
    )
    b.add_argument("--json", action="store_true")
    add_untrained_options(b)
    b.set_defaults(func=run_bench)

    s = sub.add_parser("stream", help="stream predictions from replayed files or LSL")
    s.add_argument("checkpoint", help="a checkpoint file or a shipped model's name")
    src = s.add_mutually_exclusive_group(required=True)
    src.add_argument("--replay", type=Path, nargs="+", metavar="FILE",
                     help="recordings of one wearer, fed frame by frame in this order")  # fmt: skip
    src.add_argument("--lsl-in", help="the name of an LSL stream of joint angles")
    s.add_argument("--adapt", action="store_true",
                   help="learn the wearer online from the truth seen horizon ms later")  # fmt: skip
    s.add_argument("--load-adaptation", type=Path, default=None,
                   help="start from an adaptation saved by an earlier session")  # fmt: skip
    s.add_argument("--save-adaptation", type=Path, default=None,
                   help="save what was learned about the wearer (JSON) at the end")  # fmt: skip
    s.add_argument("--segment-s", type=float, default=10.0,
                   help="replay: RMSE per segment of this much walking time")  # fmt: skip
    s.add_argument("--realtime", action="store_true", help="replay at the recording's rate")
    s.add_argument("--lsl-out", help="LSL stream name for predictions (default IN-prediction)")
    s.add_argument("--backend", choices=["auto", "onnx", "torch"], default="auto")
    s.add_argument("--onnx", type=Path, default=None, help="use this exported file")
    s.add_argument("--max-gap-ms", type=float, default=50.0)
    s.add_argument("--max-samples", type=int, default=None, help="LSL: stop after N frames")
    s.add_argument("--idle-timeout-s", type=float, default=5.0, help="LSL: stop when quiet")
    s.add_argument("--out", type=Path, default=Path("runs/stream"), help="replay outputs")
    s.add_argument("--json", action="store_true", help="print only the JSON summary")
    s.add_argument(
        "--coverage", type=float, default=None,
        help="prediction intervals at this coverage (0.9: 90 %%), adapted online to the "
        "wearer's errors; default 0.9 for a calibrated model, none for one without",
    )  # fmt: skip
    add_settings(s, AdaptConfig, "online adaptation settings (with --adapt)", ADAPT)
    add_untrained_options(s)
    s.set_defaults(func=run_stream)

    p = sub.add_parser("publish", help="send a recording as an LSL stream (for testing)")
    p.add_argument("recording", type=Path)
    p.add_argument("--name", required=True, help="LSL stream name")
    p.add_argument("--fast", action="store_true", help="as fast as possible, not real time")
    p.add_argument("--wait-s", type=float, default=30.0, help="wait this long for a consumer")
    p.set_defaults(func=run_publish)


def run_export(args) -> int:
    from ..evaluation.windowed import real_windows
    from ..realtime.export import PARITY_TOLERANCE_DEG, export_onnx
    from ..training.checkpoint import load_checkpoint

    _, spec, _ = load_checkpoint(args.checkpoint)
    result = export_onnx(args.checkpoint, args.onnx, real_windows(spec, args.data))
    print(
        f"wrote {result['path']}: ONNX vs PyTorch (float64) max difference "
        f"{result['max_diff_deg']:.2e} deg over {result['windows']} real windows "
        f"(tolerance {PARITY_TOLERANCE_DEG:g}); dynamic batch dimension"
    )
    return 0


def run_bench(args) -> int:
    from ..evaluation.latency import bench_pushes, compute_floor
    from ..evaluation.machine import cpu_description
    from ..evaluation.recordings import usable_recordings
    from ..evaluation.untrained import is_untrained, load_model
    from ..pretrained import resolve_model
    from ..realtime import StreamingPredictor

    recordings = usable_recordings(None, args.data)  # read once
    if is_untrained(args.checkpoint):  # at the replayed recording's rate, as `stream` runs
        untrained = untrained_given(args, recordings[:1])
    else:
        untrained = untrained_given(args)
        args.checkpoint = resolve_model(args.checkpoint)
    # the bare push (no interval), then side by side what adaptation and intervals add
    sp = StreamingPredictor.from_checkpoint(args.checkpoint, backend=args.backend,
                                            calibration=None, **untrained)  # fmt: skip
    _one_thread(sp)
    trial = max(usable_recordings(sp.spec, args.data, recordings), key=lambda t: t.n_frames)
    predictors = [sp]
    if args.adapt:
        predictors.append(StreamingPredictor.from_checkpoint(
            args.checkpoint, backend=args.backend, adapt=True, calibration=None,
            **untrained))  # fmt: skip
    with_intervals = StreamingPredictor.from_checkpoint(args.checkpoint, backend=args.backend,
                                                        **untrained)  # fmt: skip
    if with_intervals.intervals is not None:
        predictors.append(with_intervals)
    without_call = StreamingPredictor.from_checkpoint(args.checkpoint, backend=args.backend,
                                                      calibration=None, **untrained)  # fmt: skip
    figures = bench_pushes(predictors, trial, args.pushes, without_call=without_call)
    result = figures[0]
    model, spec, _ = load_model(args.checkpoint, onnx=args.backend != "torch", **untrained)
    if sp.online_model is not None:  # Python arithmetic, not a graph: no FLOP floor
        result.update(flops=None, matmul_gflops=None, floor_us=None)
    else:
        result.update(compute_floor(model, spec))
    result["cpu"] = cpu_description()
    if args.adapt:
        adapted = figures[1]
        result["adapted"] = {k: adapted[k] for k in ("p50_us", "p99_us", "max_us", "mean_us")}
        result["added_p50_us"] = round(adapted["p50_us"] - result["p50_us"], 1)
        result["added_p99_us"] = round(adapted["p99_us"] - result["p99_us"], 1)
    if with_intervals.intervals is not None:
        timed = figures[-1]
        result["with_intervals"] = {k: timed[k] for k in ("p50_us", "p99_us", "max_us")}
        result["interval_added_p50_us"] = round(timed["p50_us"] - result["p50_us"], 1)
    call = result["model_call"]
    result["around_call_p50_us"] = round(result["p50_us"] - call["p50_us"], 1)
    result["push_without_call_p50_us"] = result.pop("push_without_call")["p50_us"]
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['model']} on {result['backend']}: p50 {result['p50_us']} us, p99 "
            f"{result['p99_us']} us, max {result['max_us']} us over {args.pushes} pushes "
            f"of {result['trial']} (1 thread); "
            + (f"compute floor {result['floor_us']} us ({result['flops'] / 1e6:.2f} MFLOP "
               f"at {result['matmul_gflops']} GFLOP/s, a 1-thread matrix product measured "
               f"now): p50 is {result['p50_us'] / result['floor_us']:.1f}x the floor; "
               if result["floor_us"] else "")
            + f"CPU: {result['cpu']}"
        )  # fmt: skip
        print(
            f"the bare model call, in the same run: p50 {call['p50_us']} us, p99 "
            f"{call['p99_us']} us; the push with a model call that does nothing: p50 "
            f"{result['push_without_call_p50_us']} us (the difference of the p50s, "
            f"{result['around_call_p50_us']} us, is larger: a call inside a push runs slower "
            "than the same call repeated)"
        )
        ref = result["reference_work"]
        print(
            f"the machine's own tail, in the same run: a fixed computation of about the bare "
            f"call's length ({ref['matmuls']} float32 64x64 matrix products, 1 thread) p50 "
            f"{ref['p50_us']} us, p99 {ref['p99_us']} us, "
            f"{ref['p99_us'] / ref['p50_us']:.2f}x its p50 (the push: "
            f"{result['p99_us'] / result['p50_us']:.2f}x)"
        )
        if args.adapt:
            a = result["adapted"]
            print(
                f"with online adaptation, side by side: p50 {a['p50_us']} us, p99 "
                f"{a['p99_us']} us: adds {result['added_p50_us']} us at p50 and "
                f"{result['added_p99_us']} us at p99"
            )
    return 0


def run_stream(args) -> int:
    from ..adaptation.online import AdaptConfig
    from ..data.io import read_trial
    from ..errors import ConfigError
    from ..evaluation.untrained import is_untrained
    from ..models import model_info
    from ..realtime import StreamingPredictor

    if not args.segment_s > 0:
        raise ConfigError(f"--segment-s must be > 0 seconds, got {args.segment_s}")
    # an online model learns the wearer by itself and keeps it as --adapt's networks do
    online = is_untrained(args.checkpoint) and model_info(args.checkpoint).online
    if online and args.adapt:
        raise ConfigError(
            f"{args.checkpoint} learns its wearer by itself; --adapt is for networks "
            "(--save-adaptation and --load-adaptation keep what it learned)"
        )
    adapt = args.adapt or (args.load_adaptation is not None and not online)
    if args.save_adaptation is not None and not (adapt or online):
        raise ConfigError("--save-adaptation needs --adapt: there is nothing learned to save")
    settings = settings_given(args, ADAPT)
    if settings and not adapt:
        raise ConfigError(f"--{next(iter(settings)).replace('_', '-')} is a setting of --adapt")
    if settings:
        adapt = AdaptConfig(**settings)
    trials = [read_trial(path) for path in args.replay or []]
    sp = StreamingPredictor.from_checkpoint(
        args.checkpoint, backend=args.backend, onnx_path=args.onnx,
        max_gap_ms=args.max_gap_ms, adapt=adapt, coverage=args.coverage,
        **untrained_given(args, trials),
    )  # fmt: skip
    _one_thread(sp)
    if args.load_adaptation is not None:
        sp.load_adaptation(args.load_adaptation)
    if args.lsl_in:
        from ..realtime.lsl import stream_lsl

        out_name = args.lsl_out or f"{args.lsl_in}-prediction"
        counts = stream_lsl(sp, args.lsl_in, out_name, args.max_samples, args.idle_timeout_s)
        result = {"published_to": out_name, "backend": sp.backend.name, **counts}
        print(json.dumps({**result, **_adaptation(sp, args)}))
        return 0
    from ..realtime.replay import replay_many, score, summary, write_outputs

    table = replay_many(sp, trials, realtime=args.realtime)
    result = {"backend": sp.backend.name, "recordings": [str(p) for p in args.replay],
              "adapt": bool(adapt), "predictions": len(table),
              "bridged": int(table.bridged.sum()) if len(table) else 0,
              "resets": sp.resets}  # fmt: skip
    if not len(table):
        result["why_no_predictions"] = (
            f"{sp.status}: the recordings never filled a {sp.spec.window_ms:g} ms window"
        )
    else:
        result.update(summary(table, sp.spec.target, args.segment_s))
        result.update(score(table, sp.spec.target))  # per target channel
    result.update(_adaptation(sp, args))
    paths = []
    if len(table):
        title = (f"{trials[0].trial_id}{' ...' if len(trials) > 1 else ''}: streamed "
                 f"{sp.spec.horizon_ms:g} ms ahead ({sp.backend.name})")  # fmt: skip
        paths = write_outputs(table, sp.spec.target, args.out, title)
        if adapt and result["segments"]:
            from ..plots import plot_segments

            paths.append(plot_segments(result["segments"], args.out / "stream_segments.png",
                                       f"{title}, RMSE per {args.segment_s:g} s"))  # fmt: skip
    result["outputs"] = [str(p) for p in paths]
    print(json.dumps(result, indent=None if args.json else 2))
    return 0


def _adaptation(sp, args) -> dict:
    """What an adapting predictor learned (saved where asked), for the JSON summary; an
    online model's stride frequency and status."""
    if sp.online_model is not None:
        model = sp.online_model
        report = {"stride_hz": round(model.stride_hz, 3), "status": model.status}
        if args.save_adaptation is not None:
            report["saved_to"] = str(sp.save_adaptation(args.save_adaptation))
        return {"online": report}
    if sp.adapter is None:
        return {}
    a = sp.adapter
    report = {"updates": a.updates, "gated": a.gated, "active_at_end": a.active}
    if args.save_adaptation is not None:
        report["saved_to"] = str(sp.save_adaptation(args.save_adaptation))
    return {"adaptation": report}


def run_publish(args) -> int:
    from ..data.io import read_trial
    from ..realtime.lsl import publish

    trial = read_trial(args.recording)
    sent = publish(trial, args.name, realtime=not args.fast, wait_s=args.wait_s)
    print(f"published {sent} frames of {trial.trial_id} as LSL stream {args.name!r}")
    return 0


def _one_thread(sp) -> None:
    """A stream runs its network on one thread, as a control loop would (onnxruntime's
    sessions are made so; PyTorch is told here, and only imported when it runs the model)."""
    if sp.backend.name == "torch":
        import torch

        torch.set_num_threads(1)
