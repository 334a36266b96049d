# syntax=docker/dockerfile:1
# The durabatch image. By default it runs the worker; the same image runs `durabatch emulator` and
# `durabatch codec-server` (docker-compose.yml does both), or any other durabatch command:
#   docker build -t durabatch .
#   docker run --rm -e TEMPORAL_ADDRESS=... -e DURABATCH_STORE=postgres://... durabatch
#   docker run --rm durabatch durabatch --help

# One pinned base for every stage (Node 24 LTS, Debian 12: glibc, which the Temporal core bridge's
# prebuilt binary needs).
FROM node:24.15.0-bookworm-slim AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Production dependencies only: what the runtime stage ships. `npm install` keeps the lockfile's
# versions; it is used instead of `npm ci` for the reason .ci/run gives (npm 11 can drop other
# platforms' optional packages from a lockfile, and `npm ci` then refuses it).
FROM base AS deps
COPY package.json package-lock.json ./
RUN npm install --omit=dev && npm cache clean --force

# Every dependency (TypeScript and tsx included) and the sources: `npm run build` compiles dist/
# (with the prebuilt workflow bundle); `--if-present` makes it a no-op for a package without a
# build script. `npm pack` then lays out exactly what an installed package holds (package.json's
# `files`: today bin/, dist/, README.md; everything when there is no `files` list), in /out.
FROM base AS build
COPY package.json package-lock.json ./
RUN npm install
COPY . .
RUN npm run build --if-present \
    && mkdir /tmp/pack /out \
    && npm pack --silent --ignore-scripts --pack-destination /tmp/pack > /dev/null \
    && tar -xzf /tmp/pack/*.tgz -C /out --strip-components=1

FROM base AS runtime
ENV NODE_ENV=production \
    DURABATCH_HOME=/home/node/.durabatch
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /out ./
# `durabatch` on PATH is the package's own bin, named by package.json: bin/durabatch.js, which runs
# dist/src/cli/main.js here (an installed package has no src/; a checkout runs its sources through
# tsx instead). Unlike `npx durabatch`, it starts no npm process and never asks a registry. Running
# `--help` at build time proves the CLI and the Temporal native module load in this image. The
# code stays root-owned: the worker (user `node`) can read it, not change it.
RUN bin="$(node -p "const b = require('./package.json').bin; typeof b === 'string' ? b : b.durabatch")" \
    && chmod 755 "/app/$bin" \
    && ln -s "/app/$bin" /usr/local/bin/durabatch \
    && durabatch --help > /dev/null \
    && rm -rf /tmp/tsx-* \
    && mkdir -p "$DURABATCH_HOME" && chown node:node "$DURABATCH_HOME"
USER node
# The worker. With DURABATCH_EMULATOR_URL set (compose's `offline` profile), every provider call
# goes to the emulator there: `durabatch worker --emulator $DURABATCH_EMULATOR_URL`. `exec` leaves
# no shell between the container's init and Node, so SIGTERM reaches the worker (graceful shutdown).
CMD ["sh", "-c", "exec durabatch worker ${DURABATCH_EMULATOR_URL:+--emulator \"$DURABATCH_EMULATOR_URL\"}"]
