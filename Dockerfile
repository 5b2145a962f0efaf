# One image for the api, the worker, the migrate step and the operator CLI.
# TypeScript runs through tsx (no build step); see docker-compose.yml for how
# each service starts it.
FROM node:20-slim

WORKDIR /app
ENV CHECKPOINT_DISABLE=1

# Prisma's CLI probes OpenSSL to pick its platform; nothing else is native here.
RUN apt-get update \
 && apt-get install -y --no-install-recommends openssl \
 && rm -rf /var/lib/apt/lists/*

# Dependencies first, so a source change does not reinstall them. Install
# scripts are skipped as in development: Prisma runs its WebAssembly engine
# through the pg adapter (no engine download), the Temporal bridge and esbuild
# ship prebuilt binaries, and nothing needs a compiler.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

COPY . .

# `prisma generate` never connects, but the Prisma config wants a URL to build
# its adapter; the real one comes from the environment at run time.
RUN DATABASE_URL=postgresql://build@127.0.0.1:5432/build npx prisma generate

# The HR console's app, served at /console (api/scopes/console-app.ts).
RUN npx vite build --config console/vite.config.mts

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000

USER node
EXPOSE 3000

# One process per container (tsx as a require hook, not its watcher/CLI
# wrapper), so SIGTERM reaches the app and it shuts down gracefully.
CMD ["node", "--require", "tsx/cjs", "api/main.ts"]
