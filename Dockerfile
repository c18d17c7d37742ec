# The Stance server as a static binary on a distroless image.
#
#   docker build -t stance .
#   docker run --rm -p 50051:50051 -p 9090:9090 stance
#
# The model and tokenizer are embedded in the binary. Flags go after the
# image name (docker run stance --max-concurrent 64) or in STANCE_*
# variables; see deploy/kubernetes/.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/stance ./cmd/stance

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/stance /stance
# In a container the server listens on every interface, with metrics.
ENV STANCE_ADDR=0.0.0.0:50051 \
    STANCE_METRICS_ADDR=0.0.0.0:9090
EXPOSE 50051 9090
USER nonroot:nonroot
ENTRYPOINT ["/stance", "serve"]
