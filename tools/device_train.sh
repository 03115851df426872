#!/usr/bin/env bash
# Continue the recipe's training runs (tools/train_recipe.sh) on a GPU machine with JAX but no TensorFlow.
#
#   tools/device_train.sh OUT_DIR [MINUTES] [MODEL ...]     default: 8 minutes, every registered network
#
# EPOCHS, STEPS_PER_EPOCH and RUN_NAME as the CPU run was started with (tools/train_recipe.sh).
# Each network's run folder checkpoints/<model>-$RUN_NAME/ travels with the working tree; the run resumes from its
# last.keras (same schedule, optimiser state and patch stream: the recipe's arguments are the CPU run's, so
# `casestudy train` accepts the folder) through Keras 3's JAX backend, the networks side by side on the one
# GPU, each killed after MINUTES at the latest (a checkpoint is written every minute). What comes back, per
# network: OUT_DIR/<model>-$RUN_NAME/{last.keras,config.json,state.json,log.csv} (last.keras holds the optimiser:
# about 8 MB at the laptop widths, under the device's 16 MiB a file). Then, here: copy them over
# checkpoints/<model>-$RUN_NAME/ and resume or ship as tools/train_recipe.sh says.
# KERAS_BACKEND may be set to tensorflow to try the script on a CPU (STEPS_PER_EPOCH and EPOCHS as the run's).
set -uo pipefail  # (train_recipe.sh, sourced below, adds -e)
out=${1:?usage: tools/device_train.sh OUT_DIR [MINUTES] [MODEL ...]}
minutes=${2:-8}
shift $(( $# >= 2 ? 2 : 1 ))
export KERAS_BACKEND=${KERAS_BACKEND:-jax} XLA_PYTHON_CLIENT_PREALLOCATE=false PYTHONUNBUFFERED=1
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
CHECKPOINT_MINUTES=1
# shellcheck source=tools/train_recipe.sh
source "$(dirname "$0")/train_recipe.sh"
models=("$@")
[ ${#models[@]} -gt 0 ] || read -r -a models <<<"$(python3 -c 'from casestudy.models import network_names; print(*network_names())')"
mkdir -p "$out/logs"
python3 -m casestudy.cli data build --profile laptop >"$out/logs/build.log" 2>&1 || { tail -20 "$out/logs/build.log"; exit 1; }
for model in "${models[@]}"; do
  # shellcheck disable=SC2046 - the arguments are words without spaces
  timeout --signal=KILL $((minutes * 60)) python3 -m casestudy.cli train $(recipe_arguments "$model") \
    --workers 5 --quiet >"$out/logs/$model.log" 2>&1 &
done
wait || true  # a run killed at MINUTES exits 137: its checkpoint is what comes back
for model in "${models[@]}"; do
  tail -3 "$out/logs/$model.log"
  mkdir -p "$out/$model-$RUN_NAME"
  cp "checkpoints/$model-$RUN_NAME/"{last.keras,config.json,state.json,log.csv} "$out/$model-$RUN_NAME/"
done
