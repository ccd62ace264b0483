# The farm's REST API (apps/api). Build from the repository root:
#   docker build -f infra/docker/api.Dockerfile -t tinysaver-api .
#
# Base images carry exact version tags. Digests could not be resolved when this was written (no
# registry reachable): pin `image@sha256:…` where CI can resolve them. node 20.20.2 is the Node
# the workspace is tested with.
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

FROM node:20.20.2-bookworm-slim AS runtime
# The API listens on HOST (127.0.0.1 unless told) and PORT.
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080
WORKDIR /app
# Files stay owned by root: the process cannot rewrite its own code.
COPY --from=prod-deps /app/node_modules node_modules
COPY --from=build /app/package.json ./
COPY --from=build /app/apps/api/package.json apps/api/
COPY --from=build /app/apps/api/dist apps/api/dist
# node_modules/@tinysaver/* link to these workspaces: each library the API imports, directly or
# through another library, needs its package.json (exports) and dist.
COPY --from=build /app/libs/cascade/package.json libs/cascade/
COPY --from=build /app/libs/cascade/dist libs/cascade/dist
COPY --from=build /app/libs/contracts/package.json libs/contracts/
COPY --from=build /app/libs/contracts/dist libs/contracts/dist
COPY --from=build /app/libs/errors/package.json libs/errors/
COPY --from=build /app/libs/errors/dist libs/errors/dist
COPY --from=build /app/libs/farm-config/package.json libs/farm-config/
COPY --from=build /app/libs/farm-config/dist libs/farm-config/dist
COPY --from=build /app/libs/report/package.json libs/report/
COPY --from=build /app/libs/report/dist libs/report/dist
COPY --from=build /app/libs/storage/package.json libs/storage/
COPY --from=build /app/libs/storage/dist libs/storage/dist
COPY --from=build /app/libs/webdataset/package.json libs/webdataset/
COPY --from=build /app/libs/webdataset/dist libs/webdataset/dist
# The node image's `node` user, by number so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 8080
# Nest's shutdown hooks close the server and the queues on SIGTERM.
STOPSIGNAL SIGTERM
# GET /health needs no key: 200 with Redis and S3 reachable, 503 naming which is not. Docker
# only reports it (compose gates the workers on it); Kubernetes probes liveness on /health/live,
# so an S3 outage never restarts the API. No curl in slim images; node's fetch does it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "apps/api/dist/main.js"]
