# The example shop's Go services (frontend, checkout, loadgen), for docker-compose.yml.
#   docker build -f deploy/emitters/go.Dockerfile -t braid-shop-go .
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY examples/go/go.mod examples/go/go.sum ./
RUN go mod download
COPY examples/go ./
RUN CGO_ENABLED=0 go build -trimpath -o /out/ ./cmd/...

FROM debian:bookworm-slim
COPY --from=build /out/ /usr/local/bin/
USER nobody
