#!/usr/bin/env bash
# What `npm run bench` needs beyond `npm ci`: Debian's PyTorch stack (model exports and the
# PyTorch peer), numpy (the research code's threshold loop) and a Redis. Installs only what is
# missing; needs root for apt (CI machines run as root).
set -euo pipefail

PACKAGES=(python3-torch python3-torchvision python3-onnx python3-numpy python3-pil)
if ! /usr/bin/python3 -c 'import torch, torchvision, onnx, numpy, PIL' >/dev/null 2>&1; then
  echo "bench: installing ${PACKAGES[*]} (Debian packages)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${PACKAGES[@]}" >/dev/null
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && [ -z "${REDIS_URL:-}" ]; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
