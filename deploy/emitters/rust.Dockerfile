# The example shop's Rust services (payments, inventory), for docker-compose.yml.
#   docker build -f deploy/emitters/rust.Dockerfile -t braid-shop-rust .
FROM rust:1.95-bookworm AS build
WORKDIR /src
COPY examples/rust ./
RUN cargo build --release --locked && mkdir /out && cp target/release/payments target/release/inventory /out/

FROM debian:bookworm-slim
COPY --from=build /out/ /usr/local/bin/
USER nobody
