#!/usr/bin/env bash
# Train the three networks on a GPU machine that has JAX but no TensorFlow, through Keras 3's JAX backend.
#
#   tools/device_train.sh OUT_DIR [MINUTES]
#
# The recipe: a share GENERIC of the patches are sharp photos given a generic random degradation, each photo
# first shrunk by a random factor in [GENERIC_SCALE, 1]; the rest carry the simulator's noise. Both can be
# set from the environment (GENERIC=0.5 GENERIC_SCALE=1 tools/device_train.sh out 7 is the earlier recipe).
#
# Builds the laptop data set with the photo pool (data/photos) as extra training scenes, then trains
# REDNet, MWCNN and PRIDNet side by side on the one GPU, each killed after MINUTES at the latest; a
# killed run keeps its last checkpoint (written every minute) and resumes with the same command.
# Each run's float32 best weights come back as OUT_DIR/<model>.keras, its last ones as OUT_DIR/<model>-last.keras
# (no optimizer state: a device's files come back only up to 16 MiB each) and the rest of its run folder as OUT_DIR/<model>.tar.
# Then, here: python tools/ship_weights.py RUN_DIR --checkpoint OUT_DIR/<model>.keras.
# Needs keras, and this package's dependencies.
set -uo pipefail
out=${1:?usage: tools/device_train.sh OUT_DIR [MINUTES]}
minutes=${2:-7}
generic=${GENERIC:-0.7}              # share of patches with a generic degradation of a sharp photo
generic_scale=${GENERIC_SCALE:-0.4}  # those photos shrunk by a random factor in [GENERIC_SCALE, 1] first
mkdir -p "$out"
export KERAS_BACKEND=jax XLA_PYTHON_CLIENT_PREALLOCATE=false PYTHONUNBUFFERED=1
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
python3 -m casestudy.cli data build --profile laptop --photos data/photos >"$out/build.log" 2>&1 \
  || { tail -20 "$out/build.log"; exit 1; }
tail -1 "$out/build.log"
declare -A width=([rednet]=64 [mwcnn]=32 [pridnet]=32)
for model in rednet mwcnn pridnet; do
  timeout --signal=KILL $((minutes * 60)) python3 -m casestudy.cli train "$model" --profile laptop \
    --width "${width[$model]}" --batch-size 64 --epochs 20 --steps-per-epoch "${STEPS_PER_EPOCH:-800}" --loss l1 --generic "$generic" \
    --generic-scale "$generic_scale" --patience 0 \
    --precision mixed_bfloat16 --checkpoint-minutes 1 --workers 5 --run-dir "runs/$model-device" --quiet \
    >"$out/$model.log" 2>&1 &
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
  tail -3 "$out/$model.log"
  python3 -c "from casestudy.models.cards import export_weights; import sys; export_weights(*sys.argv[1:3], int(sys.argv[3]))" \
    "runs/$model-device/best.keras" "$out/$model.keras" "${width[$model]}"
  python3 -c "from casestudy.models.cards import export_weights; import sys; export_weights(*sys.argv[1:3], int(sys.argv[3]))" \
    "runs/$model-device/last.keras" "$out/$model-last.keras" "${width[$model]}"
  tar -C runs -cf "$out/$model.tar" --exclude='*.keras' "$model-device"
done
