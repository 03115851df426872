"""Ship a trained network: export its best checkpoint to weights/<model>.keras (float32) and write its card.

    python tools/ship_weights.py RUN_DIR [--checkpoint FILE] [--hardware TEXT] [--data DIR]

RUN_DIR is a `casestudy train` run folder (config.json, log.csv, state.json); the checkpoint defaults
to its best.keras. The card records the run's configuration, schedule, wall time and validation PSNR,
the photo pool it trained on, the command that retrains it, and the exported model's PSNR and SSIM on
every test pair of the data set and of the unseen-noise check (whole images, the project's metric
convention); `casestudy check` scores NLM and BM3D on that check for comparison.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path


from casestudy.config import project_root
from casestudy.data.catalogue import load_catalogue
from casestudy.evaluation.evaluate import evaluate
from casestudy.evaluation.methods import EvalContext
from casestudy.models import MODELS, load_model
from casestudy.models.cards import card_path, export_weights, write_card
from casestudy.training.run_config import TrainConfig


def reproduce_command(config: dict, previous: dict | None = None, checkpoint: str = "best") -> str:
    """The commands that retrain the weights; a fine-tuned run starts from the previous stage's.

    ``checkpoint`` is the one shipped: ``best`` (``ship_weights.py``'s default) or ``last`` (the end of the
    schedule, shipped with ``--checkpoint RUN/last.keras``)."""
    backend = f"KERAS_BACKEND={config['keras_backend']} " if config.get("keras_backend", "tensorflow") != "tensorflow" else ""
    if previous is not None:
        name = config["model"]
        # each stage trains in a run folder of its own (RUN, RUN2, RUN3, ...): a folder is resumed, not reused
        run = f"RUN{previous['reproduce'].count('--run-dir RUN') + 1}"
        training = TrainConfig.from_record(config).command_line(run_dir=run)
        training = training.replace(" --run-dir ", f" --init-weights weights/{name}.keras --run-dir ")
        return (
            f"{previous['reproduce']} && {backend}{training} && python tools/ship_weights.py {run}"
            + (f" --checkpoint {run}/last.keras" if checkpoint == "last" else "")
        )
    photos = "" if config.get("generic_photos") else " --photos data/photos"
    return (
        f"casestudy data build --profile {config['profile']}{photos} && "
        f"{backend}{TrainConfig.from_record(config).command_line(run_dir='RUN')} && "
        f"python tools/ship_weights.py RUN" + (" --checkpoint RUN/last.keras" if checkpoint == "last" else "")
    )


def unfinished_reason(config: dict, state: dict, log: list[dict]) -> str:
    """Why a run that never finished stopped where it did (its time limit), and how far its schedule had got."""
    planned = int(config["epochs"]) * int(config["steps_per_epoch"])
    rate = float(log[-1]["learning_rate"]) / float(config["learning_rate"]) if log else float("nan")
    return (f"not finished: stopped by its time limit at step {int(state['step'])} of {planned} planned, "
            f"with the learning rate still {rate:.2f} of its peak")  # fmt: skip


def test_scores(name: str, weights: Path, data_dir: Path) -> dict:
    """The network's mean PSNR and SSIM on every test pair of ``data_dir``, with the noisy input's PSNR beside it:
    the evaluation's own scoring loop (:func:`casestudy.evaluation.evaluate.evaluate`), whole images."""
    catalogue = load_catalogue(data_dir, read_exif=False)
    rows = evaluate(catalogue, ["noisy", name], split="test", context=EvalContext(weights={name: weights}))
    means = rows.groupby("method")[["psnr", "ssim"]].mean()
    return {"data_dir": str(data_dir.relative_to(project_root()) if data_dir.is_relative_to(project_root()) else data_dir),
            "split": "test", "images": int(rows["instance"].nunique()), "protocol": "whole images, PSNR and SSIM with "
            "data range 1 (casestudy.metrics), mean over images", "noisy_psnr": round(float(means.loc["noisy", "psnr"]), 3),
            "psnr": round(float(means.loc[name, "psnr"]), 3), "ssim": round(float(means.loc[name, "ssim"]), 4)}  # fmt: skip


def noise_map_record(name: str, out: Path, config: dict, data_dir: Path) -> dict:
    """For a network told the noise: fit the noise level function on the data set's training pairs, write it
    beside the weights (``<name>.noise-levels.json``, which the network's method loads) and describe both."""
    from casestudy.evaluation.methods import noise_levels_path
    from casestudy.noise.level_map import DISAGREEMENT_SPREADS, fit_on_dataset

    curves = fit_on_dataset(data_dir)
    path = curves.save(noise_levels_path(out))
    recipe = config.get("noise_map", {})
    errors = ""
    if recipe.get("jitter") or recipe.get("wrong"):
        errors = (f"; each told patch's map multiplied by exp(N(0, {recipe.get('jitter', 0):g})), and on a share of "
                  f"{recipe.get('wrong', 0):g} of them also by a factor drawn log-uniformly within "
                  f"{recipe.get('wrong_factor', 4):g} either way (a wrong ISO), so the network weighs the map against "
                  "the image")  # fmt: skip
    return {
        "training": {**recipe, "map": "the noise's local standard deviation, measured from noisy - clean "
                     f"(casestudy.training.noise_maps), withheld (zeros, flag 0) for the given share{errors}"},
        "noise_levels": {"file": path.name, "fitted_on": curves.source, "estimate_bias": round(curves.estimate_bias, 4),
                         "estimate_spread": round(curves.estimate_spread, 4), "fit_spread": round(curves.fit_spread, 4)},
        "at_inference": "blind by default (the map withheld: the scores above); `casestudy denoise --map auto` gives "
        "the map from the photo's ISO (and phone) through the noise level function, unless it and the image's own "
        f"estimate disagree by more than {DISAGREEMENT_SPREADS:g} spreads, when the estimate wins, and the estimate "
        "when there is no ISO (casestudy.noise.level_map; notebook 10 measures each source)",
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--checkpoint", type=Path, help="default: RUN_DIR/best.keras")
    parser.add_argument("--hardware", default="not recorded")
    parser.add_argument("--data", type=Path, default=project_root() / "data" / "simulated-sidd")
    parser.add_argument("--check", type=Path, default=project_root() / "data" / "unseen-check",
                        help="the unseen-noise check (casestudy data unseen); scored too when it exists")  # fmt: skip
    args = parser.parse_args()
    config = json.loads((args.run_dir / "config.json").read_text())
    state = json.loads((args.run_dir / "state.json").read_text())
    with open(args.run_dir / "log.csv", newline="") as handle:
        log = list(csv.DictReader(handle))
    name = config["model"]
    out = project_root() / "weights" / f"{name}.keras"
    previous = None
    if config.get("init_weights"):  # a fine-tuning stage: keep the card of the weights it started from
        previous = json.loads(card_path(out).read_text())
        if previous.get("sha256") != config["init_weights"]["sha256"]:
            print(f"note: {args.run_dir} started from a file with SHA-256 {config['init_weights']['sha256'][:12]}..., "
                  f"{card_path(out).name} describes {previous['sha256'][:12]}... (check they hold the same weights)",
                  file=sys.stderr)  # fmt: skip
    export_weights(args.checkpoint or args.run_dir / "best.keras", out, width=int(config["width"]))  # the shipped epoch's
    model = load_model(out)
    told = noise_map_record(name, out, config, args.data) if MODELS[name].map_channels else None
    checkpoint = args.checkpoint or args.run_dir / "best.keras"
    if "last" not in checkpoint.name:  # best.keras, or the best exported on a device (tools/device_train.sh)
        shipped_epoch = {"psnr": round(float(state["best_val_psnr"]), 3), "epoch": state["best_epoch"], "checkpoint": "best"}
    else:  # the last checkpoint: the last epoch's score
        shipped_epoch = {"psnr": round(float(log[-1]["val_psnr"]), 3), "epoch": int(log[-1]["epoch"]), "checkpoint": "last"}
    pool = json.loads((project_root() / "data" / "photos" / "photos.json").read_text())
    photos = pool["photos"] if isinstance(pool, dict) else pool
    card = {
        "model": name,
        "label": MODELS[name].label,
        "paper": MODELS[name].paper,
        "width": int(config["width"]),
        "parameters": int(model.count_params()),
        "precision": {"trained": config["precision"], "shipped": "float32"},
        "training": {
            "data": {
                "data_set": f"simulated-sidd ({config['profile']} profile)"
                + ("" if config.get("generic_photos") else " built with --photos data/photos"),
                "generic_sources": config.get("generic_sources"),
                "generic_sampling": config.get("generic_sampling"),
                "validation": "held-out photos of the pool (role val) with white noise at sigma 5, 15, 25, 50 and "
                "three draws of the generic degradations" if config.get("validation") == "photos"
                else "the data set's validation split",
                "manifest_sha256": config.get("manifest_sha256"),
                # pairs, sizes and split: the same wherever the set is built, while the manifest's pixel
                # hashes can differ between machines whose numpy, SciPy or Pillow round differently
                "catalogue_sha256": config.get("catalogue_sha256"),
                "train_pairs": config["train_pairs"],
                "val_pairs": config["val_pairs"],
                "extra_photos": [{k: p.get(k) for k in ("name", "author", "licence", "source_package")}
                                 for p in photos if p.get("role") == "train"],  # fmt: skip
                "generic_fraction": config.get("generic_fraction", 0.0),
                "generic_degradations": config.get("generic_degradations"),
                "generic_scale_min": config.get("generic_scale_min"),
            },
            "patch_size": config["patch_size"],
            "batch_size": config["global_batch_size"],
            "loss": config["loss"],
            "optimizer": f"Adam, peak learning rate {config['learning_rate']}, {config['warmup_steps']} warm-up steps, "
            f"cosine decay to {config['final_lr_fraction']} of the peak, gradient clipping {config['clipnorm']}",
            "steps": int(state["step"]),
            "patches_seen": int(state["step"]) * int(config["global_batch_size"]),
            "epochs": int(state["epoch"]),
            "stop_reason": state["stop_reason"] or unfinished_reason(config, state, log),
            "wall_time_s": round(sum(float(row["seconds"]) for row in log)),
            "hardware": args.hardware,
            "keras": f"Keras {config['keras_version']} on {config.get('keras_backend', 'tensorflow')}",
            "seed": config["seed"],
        },
        "scores": {
            "validation": {**shipped_epoch, "protocol": "fixed grid of patches of the validation set, mean PSNR"},
            "test": test_scores(name, out, args.data),
            **({"unseen_check": test_scores(name, out, args.check)} if args.check.is_dir() else {}),
        },
        "reproduce": reproduce_command(config, previous, checkpoint=shipped_epoch["checkpoint"]),
    }
    if told is not None:
        card["noise_map"] = told
    if previous is not None:
        card["training"]["initialised_from"] = {
            "file_sha256": config["init_weights"]["sha256"],
            **{key: previous[key] for key in ("sha256", "training", "scores")},
        }
    print(write_card(out, card))


if __name__ == "__main__":
    main()
