# cdstream worker image: build stage compiles TypeScript, runtime stage holds
# only production dependencies, the schemas and topologies, and runs as a
# non-root user.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    CDSTREAM_HTTP_HOST=0.0.0.0 \
    CDSTREAM_HTTP_PORT=9464
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
COPY --chown=node:node schemas ./schemas
COPY --chown=node:node topologies ./topologies
COPY --chown=node:node assets ./assets
# numeric (the image's `node` user), so Kubernetes can check runAsNonRoot
USER 1000:1000
# /metrics, /healthz, /readyz
EXPOSE 9464
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.CDSTREAM_HTTP_PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "--max-semi-space-size=16", "dist/cli/main.js"]
CMD ["run", "--topology", "topologies/default.yaml"]
