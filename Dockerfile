# The harbor-edge image: the CLI bundled into one file (npm run bundle) on a distroless Node base, with no shell
# and no package manager. The chart runs its in-cluster steps from it: `configure` (the configuration Job and
# CronJob) and `report` (the readiness report). Multi-arch: the bundle is plain JavaScript, built once on the
# build machine's platform; the base image brings node for linux/amd64 and linux/arm64.
#   docker buildx build --platform linux/amd64,linux/arm64 -t REGISTRY/harbor-edge:VERSION .
# The tag is the chart's version (package.json's), which the chart uses by default (harbor-config.image.tag).
ARG NODE_MAJOR=20

FROM --platform=$BUILDPLATFORM docker.io/library/node:${NODE_MAJOR}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY generator/ generator/
COPY schemas/ schemas/
RUN npm run bundle

FROM gcr.io/distroless/nodejs${NODE_MAJOR}-debian12:nonroot
LABEL org.opencontainers.image.title="harbor-edge" \
      org.opencontainers.image.description="harbor-edge configure and report: the in-cluster steps of harbor-edge-native-config" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /src/dist/image/harbor-edge.mjs /app/harbor-edge.mjs
# the chart's pods run as 10000:10000 with a read-only root file system; /tmp is an emptyDir there
USER 10000:10000
ENTRYPOINT ["/nodejs/bin/node", "/app/harbor-edge.mjs"]
CMD ["--help"]
