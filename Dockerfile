# syntax=docker/dockerfile:1
# Verity's runtime image. Node 24 runs the TypeScript sources as they are (type stripping), so there
# is no build step: the first stage only resolves production dependencies, the second puts them next
# to the sources and drops root.
#
# bookworm (glibc), not alpine (musl): chDB's native library ships prebuilt only for glibc
# (@chdb/lib-linux-{x64,arm64}-gnu), and with it no compiler toolchain is needed anywhere.
#
# Pinned by digest, so a rebuild gets the same base layers until someone moves the pin on purpose.
# The digest is the multi-platform index (linux/amd64, linux/arm64, linux/ppc64le) of Node 24.18.0
# on bookworm-slim, as listed in docker-library/repo-info (repos/node/remote, tag krypton-slim,
# built 2026-07-14) and pinned under this exact tag by several public projects. To move it:
#   docker buildx imagetools inspect node:24-bookworm-slim   (first "Digest:" line)
ARG NODE_IMAGE=node:24.18.0-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
# The token key and dead-letter payloads live in VERITY_DATA_DIR; /data is meant to be a volume.
# glibc's malloc keeps its mmap threshold fixed, as bin/node-runtime.mjs sets it for `npm start`:
# left to adjust itself, it serves unit-sized buffers from heaps that keep up to 64 MB free and
# fragment (README, Benchmarks: "glibc's mmap threshold fixed", 100–200 MB of peak RSS). And V8's
# young generation at 16 MB per semi-space in every thread, as the launcher's NODE_OPTIONS has it
# (README, Benchmarks: "V8's young generation capped": 57–172 MB less peak RSS), and one V8
# platform thread, not four (README, Benchmarks: "One V8 platform thread": a lower, steadier peak).
ENV NODE_ENV=production \
    VERITY_DATA_DIR=/data \
    MALLOC_MMAP_THRESHOLD_=1048576 \
    NODE_OPTIONS="--max-semi-space-size=16 --v8-pool-size=1"
WORKDIR /app
# Code and dependencies stay owned by root: the process running as `node` cannot rewrite them.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY pipelines ./pipelines
COPY connectors ./connectors
COPY rules ./rules
COPY dashboards ./dashboards
# A new embedded state store is a copy of a cluster PGlite's initdb made once per install (README,
# "A new embedded store is a copy of one initdb made"). Made here, as root, in
# node_modules/.cache/verity, which `node` may read and not rewrite: no container's first store
# runs initdb, whose 1.1 GB for two seconds would pass the demo's 1 GB memory limit.
RUN node --input-type=module -e "import { makeTemplate } from './connectors/postgres/pglite-cluster.ts'; await makeTemplate();"
# A named volume mounted on /data starts as a copy of this directory, ownership and mode included,
# so dead letters (and a generated token key, when no key file is given) are private to `node`
# from the first run on (files inside are 0600).
RUN mkdir -p /data && chown 1000:1000 /data && chmod 0700 /data
# The base image's `node` user, by number: a runtime (or a Kubernetes runAsNonRoot check) can tell
# it is not root without reading /etc/passwd, and secret files are chowned to this uid on the host.
USER 1000:1000
VOLUME ["/data"]
# `verity run` serves /metrics, /healthz and /readyz here when a metrics port is set (with Kafka by
# default); pass --metrics-host 0.0.0.0 so a published port reaches it.
EXPOSE 9464
ENTRYPOINT ["node", "bin/verity.mjs"]
# The image serves every subcommand (generate, run, …); docker-compose.yml passes the real one.
CMD ["--help"]
