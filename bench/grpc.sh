#!/usr/bin/env bash
# bench/grpc.sh: how close the gRPC server comes to a no-op gRPC call.
#
# Starts `stance serve` (embedded model) on loopback and, in the same run,
# drives it with ghz: grpc.health.v1.Health/Check (the no-op) and unary
# stance.v1.StanceService/Classify of one sentence (SPLIT_NONE), alternately,
# printing requests/s, p50/p99 latency and the ratio; then sentences/s
# through ClassifyBatch and ClassifyStream; the start-up time to SERVING;
# and the server's RSS under load. Takes about 2 minutes.
# Settings: GHZ_DURATION (default 15s per run), GHZ_CONCURRENCY (default 50),
# GHZ_CONNECTIONS (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$tmp"' EXIT
dur=${GHZ_DURATION:-15s}
conc=${GHZ_CONCURRENCY:-50}
conns=${GHZ_CONNECTIONS:-2}
GOBIN=$tmp go install github.com/bojand/ghz/cmd/ghz@v0.120.0
go build -o "$tmp/stance" ./cmd/stance
go build -o "$tmp/waitserving" ./bench/internal/waitserving
addr=127.0.0.1:50351

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(go version | cut -d' ' -f3)"

start=$(date +%s%N)
"$tmp/stance" serve --addr $addr --max-concurrent 100000 --log-level error 2> "$tmp/serve.log" &
server=$!
startup=$("$tmp/waitserving" --addr $addr --since "$start")
echo "start-up: SERVING ${startup} ms after process start"

sentence='Chinese state-sponsored hackers broke into the networks of nine US telecommunications companies, the FBI said on Friday.'
ghzrun() { # name, extra ghz args...
  local name=$1; shift
  "$tmp/ghz" --insecure -z "$dur" -c "$conc" --connections "$conns" "$@" $addr > "$tmp/$name.txt"
  local rps p50 p99
  rps=$(awk '/Requests\/sec:/ {print $2}' "$tmp/$name.txt")
  p50=$(awk '/ 50 % in / {print $4, $5}' "$tmp/$name.txt")
  p99=$(awk '/ 99 % in / {print $4, $5}' "$tmp/$name.txt")
  printf '%-28s %10.0f req/s   p50 %-10s p99 %-10s\n' "$name" "$rps" "$p50" "$p99"
  eval "rps_$name=$rps"
}

echo
echo "unary, $conc concurrent calls over $conns connections, $dur each, alternating:"
for round in 1 2; do
  ghzrun health --call grpc.health.v1.Health/Check -d '{}'
  ghzrun classify --call stance.v1.StanceService/Classify -d "{\"text\": \"$sentence\", \"split\": \"SPLIT_NONE\"}"
  ratio=$(awk -v a="$rps_classify" -v b="$rps_health" 'BEGIN {printf "%.2f", a/b}')
  echo "round $round: Classify / Health.Check = $ratio"
done
rss=$(awk '/VmRSS/ {print $2}' /proc/$server/status)
echo "server RSS after the unary runs: $((rss / 1024)) MB"

batch=$(for i in $(seq 64); do printf '{"text": "%s", "split": "SPLIT_NONE"},' "$sentence"; done | sed 's/,$//')
echo
ghzrun batch --call stance.v1.StanceService/ClassifyBatch -d "{\"requests\": [$batch]}"
awk -v r="$rps_batch" 'BEGIN {printf "ClassifyBatch (64 sentences a call): %.0f sentences/s\n", r*64}'
stream=$(for i in $(seq 64); do printf '{"id": "%d", "request": {"text": "%s", "split": "SPLIT_NONE"}},' "$i" "$sentence"; done | sed 's/,$//')
ghzrun stream --call stance.v1.StanceService/ClassifyStream -d "[$stream]"
awk -v r="$rps_stream" 'BEGIN {printf "ClassifyStream (64 sentences a stream): %.0f sentences/s\n", r*64}'
rss=$(awk '/VmRSS/ {print $2}' /proc/$server/status)
echo "server RSS at the end: $((rss / 1024)) MB"
