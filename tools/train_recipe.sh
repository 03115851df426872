#!/usr/bin/env bash
# Train the registered networks with the detail-keeping recipe, one after the other, on this machine: a first stage
# from scratch on 64x64 patches, then a short second stage on 128x128 patches (STAGE=2, from the shipped first stage).
#
#   bash tools/train_recipe.sh [MODEL ...]      stage 1; default: every registered network
#   STAGE=2 bash tools/train_recipe.sh [MODEL ...]     stage 2, from weights/<model>.keras (stage 1, shipped)
#   EPOCHS=50 RUN_NAME=recipe-600k bash tools/train_recipe.sh mwcnn     the same recipe, a schedule twice as long
#   WIDTH=32 RUN_NAME=recipe-w32 bash tools/train_recipe.sh mwcnn       the same recipe at another width
#   EXTRA="--map-jitter 0.3" RUN_NAME=recipe-maps bash tools/train_recipe.sh nafnet    more options of casestudy train
#
# Each run lives in checkpoints/<model>-$RUN_NAME/ (default checkpoints/<model>-recipe/; stage 2 in
# checkpoints/<model>-$RUN_NAME-p128/) and resumes from its last.keras when started again with the same command
# (a session that ends mid-run loses at most CHECKPOINT_MINUTES of work). The recipe:
#   * stage 1: 300,000 fresh 64x64 patches per network (25 epochs x 750 steps x 16), one warm-up and one cosine;
#   * 85 % of the patches cut from the photo pool's training photos (equal weight per photo, a flat patch
#     redrawn once, shrunk by 0.5-1) with the generic degradations (5 % clean, 25 % white noise of sigma
#     0-50/255, the rest Poisson-Gaussian in linear light, correlated half the time, sharpening, JPEG);
#   * 15 % from the simulated training pairs with fresh simulator noise;
#   * validation on the pool's held-out photos (white and generic noise at several levels);
#   * L1 loss, Adam 1e-3, bf16 on CPUs that have it; no early stopping: the end of the schedule ships;
#   * each network at its laptop-profile width (casestudy.models.MODELS) unless WIDTH is set;
#   * stage 2: the same stream on 128x128 patches, 4 a step (the same pixels per step), 3,000 steps (6 x 500), one
#     warm-up and one cosine from a peak of 2e-4: a network that pools over its whole input (NAFNet's channel
#     attention, PRIDNet's pyramid pooling) learns more from the wider view than from as many more 64x64 steps
#     (docs/experiments.md). About 10 minutes a network on 2 cores.
# Ship each finished stage before the next: python tools/ship_weights.py checkpoints/<run> --checkpoint
# checkpoints/<run>/last.keras (the card of stage 2 keeps stage 1's as the weights it started from).
# tools/device_train.sh continues stage 1's runs on a GPU machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN=${BIN:-.venv/bin}
EPOCHS=${EPOCHS:-25}
STEPS_PER_EPOCH=${STEPS_PER_EPOCH:-750}
CHECKPOINT_MINUTES=${CHECKPOINT_MINUTES:-5}
RUN_NAME=${RUN_NAME:-recipe}
WIDTH=${WIDTH:-}
EXTRA=${EXTRA:-}

STAGE=${STAGE:-1}

# What both stages share: the patch stream, the loss, precision and seed, validation, checkpoints, WIDTH and EXTRA.
shared_arguments() {
    echo "--profile laptop --loss l1 --precision mixed_bfloat16 --seed 2021 --patience 0 --generic 0.85" \
        "--generic-camera 0 --generic-scale 0.5 --generic-photos data/photos --validation photos" \
        "--checkpoint-minutes $CHECKPOINT_MINUTES${WIDTH:+ --width $WIDTH}${EXTRA:+ $EXTRA}"
}

# Stage 1's `casestudy train` arguments for one network (shared with tools/device_train.sh).
recipe_arguments() {
    echo "$1 --epochs $EPOCHS --steps-per-epoch $STEPS_PER_EPOCH --batch-size 16 --lr 0.001" \
        "$(shared_arguments) --run-dir checkpoints/$1-$RUN_NAME"
}

# Stage 2's: 3,000 steps of 4 128x128 patches from the shipped stage 1, peak learning rate 2e-4.
context_arguments() {
    echo "$1 --epochs 6 --steps-per-epoch 500 --patch-size 128 --batch-size 4 --lr 0.0002" \
        "--init-weights weights/$1.keras $(shared_arguments) --run-dir checkpoints/$1-$RUN_NAME-p128"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    models=("$@")
    [ ${#models[@]} -gt 0 ] || read -r -a models <<<"$("$BIN/python" -c 'from casestudy.models import network_names; print(*network_names())')"
    "$BIN/casestudy" data build --profile laptop
    for model in "${models[@]}"; do
        # shellcheck disable=SC2046 - the arguments are words without spaces
        if [ "$STAGE" = 2 ]; then
            "$BIN/casestudy" train $(context_arguments "$model") --quiet
        else
            "$BIN/casestudy" train $(recipe_arguments "$model") --quiet
        fi
    done
fi
