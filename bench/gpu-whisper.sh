#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: builds whisper.cpp with CUDA for this GPU's architecture only
# (cached in ~/.cache/dzvin, so a rerun skips it), then measures large-v3 latency and throughput
# at 1, 4 and 16 concurrent utterances. Extra arguments go to bench/gpu-whisper.ts, e.g.
#
#   bench/gpu-whisper.sh --model /models/ggml-large-v3.bin --levels 1,4,16 --rounds 3
#
# Without a trained large-v3 model (WHISPER_MODEL_PATH, the cache, or a download), it measures
# the weightless large test model and labels every figure as compute cost only.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "bench/gpu-whisper.sh: nvidia-smi not found; this benchmark needs an NVIDIA GPU" >&2
  exit 2
fi
nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap --format=csv

# The CUDA toolkit is often installed outside PATH.
export PATH="$PATH:/usr/local/cuda/bin"
# One architecture compiles in a few minutes; ggml's default list takes several times longer.
arch="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -n1 | tr -d '. ')"
export WHISPER_CMAKE_ARGS="${WHISPER_CMAKE_ARGS:--DCMAKE_CUDA_ARCHITECTURES=${arch}}"

[ -d node_modules ] || npm ci --no-audit --no-fund
npx tsx scripts/build-whisper.ts --device cuda
exec npx tsx bench/gpu-whisper.ts "$@"
