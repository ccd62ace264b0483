# The farm's worker (apps/worker) with onnxruntime's CUDA execution provider.
# Build from the repository root:
#   docker build -f infra/docker/worker-gpu.Dockerfile -t tinysaver-worker-gpu .
# Run with a GPU: docker run --gpus all … (NVIDIA driver and container toolkit on the host).
#
# Versions, and why they fit together:
# - onnxruntime-node 1.30.0 (package-lock.json). Its npm package bundles only the CPU provider;
#   its install script fetches the CUDA 12 provider (libonnxruntime_providers_cuda.so, _shared.so
#   and _tensorrt.so) from NuGet's Microsoft.ML.OnnxRuntime.Gpu.Linux 1.30.0 and places them
#   beside the binding in node_modules/onnxruntime-node/bin/napi-v6/linux/x64. The repository
#   skips that script (.npmrc); this image runs it on purpose, at build time, with network.
# - onnxruntime's CUDA 12 builds need CUDA 12.x (any minor: NVIDIA minor-version compatibility)
#   and cuDNN 9.x (cuDNN 8 builds and cuDNN 9 builds do not mix).
# - Runtime base nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04: CUDA 12.8 runtime libraries
#   (cudart, cuBLAS, cuFFT, cuRAND) and cuDNN 9. The host's NVIDIA driver must be one CUDA
#   12.8 runs on (570 or later; the image's NVIDIA_REQUIRE_CUDA lets the container toolkit
#   check). TensorRT is not included: its provider library is installed but unused; the
#   worker asks for `cuda`, then `cpu`.
# - Node: the node binary of node:20.20.2-bookworm-slim (the tested Node), copied over; Ubuntu
#   24.04's glibc (2.39) is newer than bookworm's (2.36), which the binary and the native
#   modules built in the bookworm stages need.
# Base images carry exact version tags. Digests could not be resolved when this was written (no
# registry reachable): pin `image@sha256:…` where CI can resolve them.
#
# The manifests and build stages are the same in all three Dockerfiles on purpose: building
# several images on one machine then reuses one `npm ci` and one `nx build` from the layer cache.

FROM node:20.20.2-bookworm-slim AS manifests
WORKDIR /app
# The lock file and every workspace's package.json first: `npm ci` layers stay cached until one
# of them changes. Each workspace is listed, since npm ci refuses a lock file naming a missing one.
# .npmrc carries onnxruntime-node-install=skip (its install script would download CUDA libraries).
COPY package.json package-lock.json .npmrc ./
COPY apps/api/package.json apps/api/
COPY apps/cli/package.json apps/cli/
COPY apps/worker/package.json apps/worker/
COPY libs/cascade/package.json libs/cascade/
COPY libs/client/package.json libs/client/
COPY libs/contracts/package.json libs/contracts/
COPY libs/errors/package.json libs/errors/
COPY libs/farm-config/package.json libs/farm-config/
COPY libs/profiler/package.json libs/profiler/
COPY libs/report/package.json libs/report/
COPY libs/storage/package.json libs/storage/
COPY libs/testkit/package.json libs/testkit/
COPY libs/webdataset/package.json libs/webdataset/

FROM manifests AS build
RUN npm ci --no-audit --no-fund
# Only what `nx build` reads: the workspace configuration, shared types and the projects.
COPY nx.json tsconfig.base.json eslint.config.mjs jest.preset.cjs ./
COPY types types
COPY libs libs
COPY apps apps
# ^build builds each library's dist first; the apps resolve libraries through their package.json
# `default` export condition, i.e. libs/<name>/dist.
RUN NX_DAEMON=false NX_NO_CLOUD=true npx nx run-many -t build -p api worker --outputStyle=static

FROM manifests AS prod-deps
# onnxruntime-node ships its binding for every platform (about 250 MB more than one needs):
# keep only linux/<this architecture>.
RUN npm ci --omit=dev --no-audit --no-fund \
  && cd node_modules/onnxruntime-node/bin/napi-v6 \
  && find . -mindepth 2 -maxdepth 2 -type d ! -path "./linux/$(node -p process.arch)" \
    -exec rm -rf {} +

FROM prod-deps AS cuda-provider
# ONNXRUNTIME_NODE_INSTALL overrides .npmrc's skip (the script reads the variable first). In
# 1.30.0 an explicit `cuda12` falls through to the script's default, which on linux/x64 is the
# same cuda12 manifest, fetched when its files are missing; the checks make a silent no-op fail.
RUN ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js \
  && cd node_modules/onnxruntime-node/bin/napi-v6/linux/x64 \
  && test -f libonnxruntime_providers_cuda.so \
  && test -f libonnxruntime_providers_shared.so \
  && test -f libonnxruntime_providers_tensorrt.so

FROM nvidia/cuda:12.8.1-cudnn-runtime-ubuntu24.04 AS runtime
# A user of its own (uid 1000 is Ubuntu's `ubuntu` in this base), with a home: onnxruntime
# keeps a device id under ~/.cache and warns at every start when it cannot.
RUN groupadd --gid 10001 tinysaver \
  && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin tinysaver
COPY --from=manifests /usr/local/bin/node /usr/local/bin/node
# The worker tries CUDA first and falls back to CPU with a warning, recording what ran.
ENV NODE_ENV=production ORT_EXECUTION_PROVIDERS=cuda,cpu WORKER_HTTP_HOST=0.0.0.0 WORKER_HTTP_PORT=9464
WORKDIR /app
# Files stay owned by root: the process cannot rewrite its own code. Model files go to the
# system temporary directory (/tmp), which the user may write.
COPY --from=cuda-provider /app/node_modules node_modules
COPY --from=build /app/package.json ./
COPY --from=build /app/apps/worker/package.json apps/worker/
COPY --from=build /app/apps/worker/dist apps/worker/dist
# node_modules/@tinysaver/* link to these workspaces: each library the worker imports, directly
# or through another library, needs its package.json (exports) and dist.
COPY --from=build /app/libs/cascade/package.json libs/cascade/
COPY --from=build /app/libs/cascade/dist libs/cascade/dist
COPY --from=build /app/libs/contracts/package.json libs/contracts/
COPY --from=build /app/libs/contracts/dist libs/contracts/dist
COPY --from=build /app/libs/errors/package.json libs/errors/
COPY --from=build /app/libs/errors/dist libs/errors/dist
COPY --from=build /app/libs/farm-config/package.json libs/farm-config/
COPY --from=build /app/libs/farm-config/dist libs/farm-config/dist
COPY --from=build /app/libs/profiler/package.json libs/profiler/
COPY --from=build /app/libs/profiler/dist libs/profiler/dist
COPY --from=build /app/libs/storage/package.json libs/storage/
COPY --from=build /app/libs/storage/dist libs/storage/dist
COPY --from=build /app/libs/webdataset/package.json libs/webdataset/
COPY --from=build /app/libs/webdataset/dist libs/webdataset/dist
USER 10001:10001
EXPOSE 9464
# SIGTERM drains: no new jobs, the jobs in hand finish for up to SHUTDOWN_GRACE_MS (default
# 300 s), then the process exits 0. Give the container a stop timeout longer than that.
STOPSIGNAL SIGTERM
# Liveness only: readiness (/health) fails while Redis is down or the worker drains.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "apps/worker/dist/main.js"]
