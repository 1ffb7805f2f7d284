# Parley's image: `docker build -t parley .` then
#   docker run -p 3000:3000 -v parley-data:/data -e PARLEY_API_KEY=… parley
# SQLite lives on the /data volume; set DATABASE_URL=postgres://… for PostgreSQL (compose.yaml).

# Build: compile TypeScript and better-sqlite3's native binding (from source when no prebuilt
# binary can be fetched, hence the build tools), then drop the development dependencies.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm ci && npm prune --omit=dev

# Run: only what `parley start` needs, as the unprivileged node user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    DATABASE_URL=/data/parley.db
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json LICENSE ./
COPY bin ./bin
# /app/data is where relative paths in a config land (the spool's ./data/spool); it points at the volume.
RUN mkdir -p /data && chown node:node /data && ln -s /data /app/data
USER node
VOLUME /data
EXPOSE 3000
# Ready means: database reachable, migrations applied, and the queue worked (GET /readyz).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/parley.js", "start"]
