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

# A toolkit without cuBLAS (nvcc alone, as some images ship it) can take it from PyPI's
# nvidia-cublas wheel, when the python3 on PATH has it installed.
if ! find /usr/local/cuda/ /usr/lib/x86_64-linux-gnu -name 'libcublas.so*' 2>/dev/null | grep -q .; then
  wheel_lib="$(python3 -c 'import glob, nvidia
print(next(iter(sorted(p for d in nvidia.__path__ for p in glob.glob(d + "/*/lib/libcublas.so.*"))), ""))' 2>/dev/null || true)"
  if [ -n "$wheel_lib" ]; then
    lib_dir="$(dirname "$wheel_lib")"
    include_dir="$(dirname "$lib_dir")/include"
    # CMake's FindCUDAToolkit looks for unversioned names: link them beside the build cache.
    links="${XDG_CACHE_HOME:-$HOME/.cache}/dzvin/cublas-from-wheel"
    mkdir -p "$links"
    ln -sf "$wheel_lib" "$links/libcublas.so"
    ln -sf "$(ls "$lib_dir"/libcublasLt.so.* | head -n1)" "$links/libcublasLt.so"
    echo "cuBLAS from the nvidia-cublas wheel: $lib_dir" >&2
    WHISPER_CMAKE_ARGS+=" -DCUDA_cublas_LIBRARY=$links/libcublas.so"
    WHISPER_CMAKE_ARGS+=" -DCUDA_cublasLt_LIBRARY=$links/libcublasLt.so"
    WHISPER_CMAKE_ARGS+=" -DCMAKE_CUDA_FLAGS=-I$include_dir -DCMAKE_CXX_FLAGS=-I$include_dir"
  fi
fi
# ggml links the driver library for its virtual memory pool: the toolkit's stub, else the
# driver's own, else no pool (ordinary allocations).
if ! find /usr/local/cuda/ -name 'libcuda.so' 2>/dev/null | grep -q .; then
  driver="$(ls /usr/local/nvidia/lib64/libcuda.so* /usr/lib/x86_64-linux-gnu/libcuda.so* 2>/dev/null | head -n1 || true)"
  if [ -n "$driver" ]; then
    WHISPER_CMAKE_ARGS+=" -DCUDA_cuda_driver_LIBRARY=$driver"
  else
    WHISPER_CMAKE_ARGS+=" -DGGML_CUDA_NO_VMM=ON"
  fi
fi

[ -d node_modules ] || npm ci --no-audit --no-fund
npx tsx scripts/build-whisper.ts --device cuda
exec npx tsx bench/gpu-whisper.ts "$@"
