#!/usr/bin/env bash
# How every model in checkpoints/ was trained, so anyone can reproduce (or refresh) them.
# Each is the default recipe (batch 128, AdamW with warm-up and cosine decay, decoder bias
# started at the mean image, seed 0) with the flags shown. All but vae2d were trained before
# the default became 784-256-256-128 at lr 5e-3. The plain AE and the two beta models share
# vae2d's recipe ($VAE2D), so that against vae2d the KL term (or its weight) is the only
# difference; the 8-D, 16-D and Fashion models keep the older recipe ($OLD): re-run, they come
# out with per-epoch snapshots and within noise of the figures in the README.
#   scripts/train_shipped.sh            # all of them (about 90 minutes on 1 CPU core)
#   scripts/train_shipped.sh ae beta    # only some (names below)
set -euo pipefail
cd "$(dirname "$0")/.."
TRAIN=".venv/bin/vae-train"
run() {  # name, then vae-train flags
    local name=$1; shift
    if [ $# -gt 0 ] && { [ ${#WANT[@]} -eq 0 ] || [[ " ${WANT[*]} " == *" $name "* ]]; }; then
        echo "== $name: vae-train $*" >&2
        "$TRAIN" "$@"
        # Ship weights only: the optimizer state (2x the weights) is for --resume.
        .venv/bin/python -m vae.checkpoint strip "${@: -1}"
    fi
}
WANT=("$@")
# All were trained with ReLU, the default before GELU: --activation relu keeps them as shipped.
VAE2D=(--hidden 512 512 256 --epochs 60 --lr 3e-3 --warmup-epochs 1 --encoder-shift 1 --activation relu)
OLD=(--hidden 512 256 --lr 2e-3 --warmup-epochs 1 --adam-beta2 0.999 --activation relu)
# MNIST: ../shared/data holds 24,680 of the 60,000 training images.
# 18 minutes on 1 core: 784-512-512-256-2, 60 epochs, the encoder also on 1-pixel shifts.
run vae2d  --dataset mnist --latent-dim 2  "${VAE2D[@]}" --out checkpoints/mnist-vae-2d.pt
run ae     --dataset mnist --latent-dim 2  "${VAE2D[@]}" --kind ae --out checkpoints/mnist-ae-2d.pt
run beta   --dataset mnist --latent-dim 2  "${VAE2D[@]}" --beta 0.25 --out checkpoints/mnist-vae-2d-beta0.25.pt
run beta   --dataset mnist --latent-dim 2  "${VAE2D[@]}" --beta 4 --out checkpoints/mnist-vae-2d-beta4.pt
run latent --dataset mnist --latent-dim 8  "${OLD[@]}" --epochs 80 --encoder-shift 1 --out checkpoints/mnist-vae-8d.pt
run latent --dataset mnist --latent-dim 16 "${OLD[@]}" --epochs 80 --encoder-shift 1 --out checkpoints/mnist-vae-16d.pt
# Fashion-MNIST: all 60,000 training images (Debian's dataset-fashion-mnist, or --download).
run fashion --dataset fashion-mnist --latent-dim 2 "${OLD[@]}" --epochs 40 --out checkpoints/fashion-mnist-vae-2d.pt
