# netscene dedicated server image: `docker build -t netscene .` then
# `docker run -p 7000:7000/udp -p 8080:8080 netscene` (ENet), or with
# `-e NETSCENE_TRANSPORT=ws -p 7000:7000/tcp` for WebSocket (browser) clients.
# Kubernetes/Agones manifests: deploy/agones/. The image's ports and flags are checked by
# crates/netscene-cli/tests/deploy_files.rs.

# ---- build: the release binary, with the Agones SDK (`serve --agones`) ----
FROM rust:1.95-bookworm AS build
# protoc: the agones crate generates its gRPC client at build time.
RUN apt-get update \
    && apt-get install -y --no-install-recommends protobuf-compiler \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p netscene-cli --features agones \
    && cp target/release/netscene /netscene

# ---- runtime: glibc and libgcc only, no shell, non-root ----
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /netscene /usr/local/bin/netscene
USER nonroot:nonroot
# The game port (ENet over UDP, or WebSocket over TCP with NETSCENE_TRANSPORT=ws) and the
# HTTP probe port (/healthz, /readyz, /metrics).
ENV NETSCENE_PORT=7000 \
    NETSCENE_HEALTH_PORT=8080 \
    NETSCENE_LOG_FORMAT=json
EXPOSE 7000/udp 7000/tcp 8080/tcp
ENTRYPOINT ["/usr/local/bin/netscene", "serve"]
