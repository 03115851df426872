#!/usr/bin/env bash
# Train the three networks on a GPU machine that has JAX but no TensorFlow, through Keras 3's JAX backend.
#
#   tools/device_train.sh OUT_DIR [MINUTES]
#
# The recipe: a share GENERIC of the patches are sharp photos given a generic random degradation, each photo
# first shrunk by a random factor in [GENERIC_SCALE, 1], their camera-simulator step drawn with probability
# GENERIC_CAMERA; the rest carry the simulator's noise. All three can be set from the environment
# (GENERIC=0.7 GENERIC_CAMERA=0.3 STEPS_PER_EPOCH=700 is the recipe of the shipped MWCNN and PRIDNet).
#
# Builds the laptop data set with the photo pool (data/photos) as extra training scenes, then trains
# REDNet, MWCNN and PRIDNet side by side on the one GPU, each killed after MINUTES at the latest; a
# killed run keeps its last checkpoint (written every minute) and resumes with the same command.
# Each run's float32 best weights come back as OUT_DIR/<model>.keras, its last ones as OUT_DIR/<model>-last.keras
# (no optimizer state: a device's files come back only up to 16 MiB each), and the logs and run folders
# (config.json, state.json, log.csv) as OUT_DIR/runs.tar: seven files in all.
# Then, here: tar -xf OUT_DIR/runs.tar, and python tools/ship_weights.py <model>-device --checkpoint OUT_DIR/<model>.keras.
# Measured on an H100 with 16 cores (2026-11-26), the three runs side by side with 70 % generic patches: in
# 8 minutes REDNet reached step 11,900, MWCNN 10,500 and PRIDNet 8,400 (its first epoch, with compilation, took
# 2 minutes). The default schedule, 20 epochs of STEPS_PER_EPOCH=350 (7,000 steps), is sized to end within
# MINUTES=8, so that the learning rate decays fully; a session with more device time can raise both.
# Each lent session is short (15 minutes of device time), so training accumulates across sessions: with
# INIT=weights each run starts from the shipped weights/<model>.keras (fine-tuning, a fresh optimiser; use a lower
# LR, e.g. LR=0.0003) instead of from scratch, and its best weights are shipped as the next stage of the card.
# EPOCHS (default 20) and LR (default 0.001) set the schedule; KERAS_BACKEND may be set to tensorflow to try the
# script on a CPU (STEPS_PER_EPOCH=2 EPOCHS=1).
# Needs keras, and this package's dependencies.
set -uo pipefail
out=${1:?usage: tools/device_train.sh OUT_DIR [MINUTES]}
minutes=${2:-8}
generic=${GENERIC:-0.7}              # share of patches with a generic degradation of a sharp photo
generic_scale=${GENERIC_SCALE:-0.4}  # those photos shrunk by a random factor in [GENERIC_SCALE, 1] first
generic_camera=${GENERIC_CAMERA:-0}  # how often their degradations use the camera simulator (checkpoints/README.md)
epochs=${EPOCHS:-20}
lr=${LR:-0.001}
init=${INIT:-scratch}                 # scratch, or weights: start from weights/<model>.keras
case "$init" in scratch|weights) ;; *) echo "INIT must be scratch or weights, not '$init'" >&2; exit 2 ;; esac
mkdir -p "$out" "$out/logs"
export KERAS_BACKEND=${KERAS_BACKEND:-jax} XLA_PYTHON_CLIENT_PREALLOCATE=false PYTHONUNBUFFERED=1
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
python3 -m casestudy.cli data build --profile laptop --photos data/photos >"$out/logs/build.log" 2>&1 \
  || { tail -20 "$out/logs/build.log"; exit 1; }
tail -1 "$out/logs/build.log"
declare -A width=([rednet]=64 [mwcnn]=32 [pridnet]=32)
for model in rednet mwcnn pridnet; do
  start=()
  [ "$init" = weights ] && start=(--init-weights "weights/$model.keras")
  timeout --signal=KILL $((minutes * 60)) python3 -m casestudy.cli train "$model" --profile laptop \
    --width "${width[$model]}" --batch-size 64 --epochs "$epochs" --steps-per-epoch "${STEPS_PER_EPOCH:-350}" --loss l1 \
    --generic "$generic" --generic-scale "$generic_scale" --generic-camera "$generic_camera" --patience 0 --lr "$lr" \
    --seed 2021 --precision mixed_bfloat16 --checkpoint-minutes 1 --workers 5 --run-dir "runs/$model-device" --quiet \
    ${start[@]+"${start[@]}"} >"$out/logs/$model.log" 2>&1 &
done
for _ in $(seq $((minutes * 2))); do
  sleep 30
  for model in rednet mwcnn pridnet; do
    state="runs/$model-device/state.json"
    [ -f "$state" ] && python3 -c "import json,sys; s=json.load(open('$state')); print('$model', 'step', s['step'], 'epoch', s['epoch'], 'best', s.get('best_val_psnr'))"
  done
  jobs -r | grep -q . || break
done
wait
for model in rednet mwcnn pridnet; do
  tail -3 "$out/logs/$model.log"
  python3 -c "from casestudy.models.cards import export_weights; import sys; export_weights(*sys.argv[1:3], int(sys.argv[3]))" \
    "runs/$model-device/best.keras" "$out/$model.keras" "${width[$model]}"
  python3 -c "from casestudy.models.cards import export_weights; import sys; export_weights(*sys.argv[1:3], int(sys.argv[3]))" \
    "runs/$model-device/last.keras" "$out/$model-last.keras" "${width[$model]}"
done
# one archive for the logs and the run folders (without weights): a device returns only a few files per call
tar -cf "$out/runs.tar" --exclude='*.keras' -C runs rednet-device mwcnn-device pridnet-device -C "$out" logs
rm -r "$out/logs"
