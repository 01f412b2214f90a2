# lading container image. Two ways to build it (README, "Running in a container"):
#
#   docker build -t lading .
#       The usual build: the `build` stage runs `npm ci` and tsc, so it needs the npm registry.
#
#   docker build --target prebuilt -t lading CONTEXT
#       Offline: CONTEXT holds this Dockerfile, package.json, mirror.config.json and
#       prebuilt/dist + prebuilt/node_modules (production only), made outside the build
#       (test/support/image-build.ts does exactly this). No RUN touches the network.
#
# Stage order matters for the classic builder (dockerd < 23), which runs every stage up to the
# target: `prebuilt` comes before `build`, so the offline target never reaches `npm ci`, and
# `prebuilt` still succeeds (copying nothing extra) in the usual build, which has no prebuilt/.

# The base is an argument so users can pin a digest or swap it; any image with node on PATH,
# /bin/sh, mkdir and chown works.
ARG NODE_IMAGE=node:24-slim

# What both images share: settings and the data directory, no application files.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    LADING_DATA_DIR=/data \
    LADING_LISTEN=0.0.0.0:5000
WORKDIR /app
# Before VOLUME: the classic builder drops later changes under a volume path. A fresh volume
# copies this directory's owner, so the non-root user can write its cache there.
RUN mkdir -p /data && chown 1000:1000 /data
VOLUME ["/data"]
EXPOSE 5000
# The official images' `node` user, numeric so Kubernetes `runAsNonRoot` can verify it. The
# application files stay root-owned: the process can write /data and nothing else of its own.
USER 1000:1000
# `lading health` reads the same config as `serve` (LADING_LISTEN, LADING_CONFIG, a mounted
# mirror.config.json), so the check follows the listen address; slim images have no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/dist/cli/main.js", "health"]
# Exec form, node as PID 1 with no shell in between: `docker stop` sends SIGTERM straight to
# lading, which finishes running responses (shutdownGrace, 10s) and exits 0 within Docker's
# default 10s+ grace. lading starts no children, so PID 1 has no zombies to reap.
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["serve"]

# Offline image. `prebuil[t]` is a wildcard on purpose: it matches nothing in the usual
# context instead of failing, and copies prebuilt/dist and prebuilt/node_modules into /app.
FROM runtime AS prebuilt
COPY package.json mirror.config.json prebuil[t] ./

# Compile TypeScript, then drop the dev dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# The usual image (last stage, so the default target): production deps and dist/ only.
# package.json is needed at run time: its "type": "module" makes node load dist/ as ESM.
FROM runtime AS image
COPY package.json mirror.config.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
