#!/usr/bin/env bash
# How every model in checkpoints/ was trained, so anyone can reproduce (or refresh) them.
# Each uses the default recipe (MLP 784-512-256-z, batch 128, Adam 2e-3 with warm-up and
# cosine decay, seed 0); only the flags shown differ. ~2 s per MNIST epoch on 2 CPU cores.
#   scripts/train_shipped.sh            # all of them (about 25 minutes)
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
# MNIST: ../shared/data holds 24,680 of the 60,000 training images.
run vae2d  --dataset mnist --latent-dim 2  --epochs 80 --encoder-shift 1 --out checkpoints/mnist-vae-2d.pt
run ae     --dataset mnist --latent-dim 2  --epochs 80 --kind ae --out checkpoints/mnist-ae-2d.pt
run beta   --dataset mnist --latent-dim 2  --epochs 80 --beta 0.25 --out checkpoints/mnist-vae-2d-beta0.25.pt
run beta   --dataset mnist --latent-dim 2  --epochs 80 --beta 4 --out checkpoints/mnist-vae-2d-beta4.pt
run latent --dataset mnist --latent-dim 8  --epochs 80 --encoder-shift 1 --out checkpoints/mnist-vae-8d.pt
run latent --dataset mnist --latent-dim 16 --epochs 80 --encoder-shift 1 --out checkpoints/mnist-vae-16d.pt
# Fashion-MNIST: all 60,000 training images (Debian's dataset-fashion-mnist, or --download).
run fashion --dataset fashion-mnist --latent-dim 2 --epochs 40 --out checkpoints/fashion-mnist-vae-2d.pt
