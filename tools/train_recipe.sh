#!/usr/bin/env bash
# Train the registered networks from scratch with the detail-keeping recipe, one after the other, on this machine.
#
#   bash tools/train_recipe.sh [MODEL ...]      default: every registered network
#   EPOCHS=50 RUN_NAME=recipe-600k bash tools/train_recipe.sh mwcnn     the same recipe, a schedule twice as long
#   WIDTH=32 RUN_NAME=recipe-w32 bash tools/train_recipe.sh mwcnn       the same recipe at another width
#   EXTRA="--map-jitter 0.3" RUN_NAME=recipe-maps bash tools/train_recipe.sh nafnet    more options of casestudy train
#
# Each run lives in checkpoints/<model>-$RUN_NAME/ (default checkpoints/<model>-recipe/) and resumes from its last.keras when started again with the
# same command (a session that ends mid-run loses at most CHECKPOINT_MINUTES of work). The recipe:
#   * 300,000 fresh 64x64 patches per network (25 epochs x 750 steps x 16), one warm-up and one cosine;
#   * 85 % of the patches cut from the photo pool's training photos (equal weight per photo, a flat patch
#     redrawn once, shrunk by 0.5-1) with the generic degradations (5 % clean, 25 % white noise of sigma
#     0-50/255, the rest Poisson-Gaussian in linear light, correlated half the time, sharpening, JPEG);
#   * 15 % from the simulated training pairs with fresh simulator noise;
#   * validation on the pool's held-out photos (white and generic noise at several levels);
#   * L1 loss, Adam 1e-3, bf16 on CPUs that have it; no early stopping: the end of the schedule ships;
#   * each network at its laptop-profile width (casestudy.models.MODELS) unless WIDTH is set.
# Ship a finished run with: python tools/ship_weights.py checkpoints/<model>-recipe --checkpoint
# checkpoints/<model>-recipe/last.keras. tools/device_train.sh continues the same runs on a GPU machine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN=${BIN:-.venv/bin}
EPOCHS=${EPOCHS:-25}
STEPS_PER_EPOCH=${STEPS_PER_EPOCH:-750}
CHECKPOINT_MINUTES=${CHECKPOINT_MINUTES:-5}
RUN_NAME=${RUN_NAME:-recipe}
WIDTH=${WIDTH:-}
EXTRA=${EXTRA:-}

# The recipe's `casestudy train` arguments for one network (shared with tools/device_train.sh).
recipe_arguments() {
    echo "$1 --profile laptop --epochs $EPOCHS --steps-per-epoch $STEPS_PER_EPOCH --batch-size 16 --loss l1" \
        "--lr 0.001 --precision mixed_bfloat16 --seed 2021 --patience 0 --generic 0.85 --generic-camera 0" \
        "--generic-scale 0.5 --generic-photos data/photos --validation photos" \
        "--checkpoint-minutes $CHECKPOINT_MINUTES --run-dir checkpoints/$1-$RUN_NAME${WIDTH:+ --width $WIDTH}${EXTRA:+ $EXTRA}"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    models=("$@")
    [ ${#models[@]} -gt 0 ] || read -r -a models <<<"$("$BIN/python" -c 'from casestudy.models import network_names; print(*network_names())')"
    "$BIN/casestudy" data build --profile laptop
    for model in "${models[@]}"; do
        # shellcheck disable=SC2046 - the arguments are words without spaces
        "$BIN/casestudy" train $(recipe_arguments "$model") --quiet
    done
fi
