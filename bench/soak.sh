#!/usr/bin/env bash
# Soak test for Stance: serve on loopback with a bearer token and open
# health, load it with ghz at high concurrency for SOAK_DURATION (default
# 5m), mixing valid requests with invalid and unauthenticated ones, reload
# the model with SIGHUP every SOAK_RELOAD_EVERY seconds, and report
# requests, status codes, p99 latency and the server's RSS.
#
#   bash bench/soak.sh                  # 5 minutes
#   SOAK_DURATION=30s bash bench/soak.sh
#
# Settings (environment, with defaults):
#   SOAK_DURATION=5m          how long ghz sends requests: seconds, or with s, m or h
#   SOAK_CONCURRENCY=64       workers sending valid Classify requests
#   SOAK_BAD_CONCURRENCY=16   workers sending invalid requests
#   SOAK_NOAUTH_CONCURRENCY=4 workers sending requests without the token
#   SOAK_RELOAD_EVERY=30      seconds between SIGHUPs
#   SOAK_ADDR=127.0.0.1:50161 where the server listens
#   SOAK_BIN=~/.cache/stance-soak  where ghz is installed
#   SOAK_KEEP=1               keep the work folder (logs, ghz reports)
#
# RSS is sampled when the server is idle, just before each SIGHUP and at
# the end; no SIGHUP is sent in the last SOAK_RELOAD_EVERY seconds, so the
# starting sample (after the first SOAK_RELOAD_EVERY seconds of load, before
# the first reload) and the end sample are both taken a full period after
# the last model swap, when the old model's memory has been collected. A
# reload briefly holds two models (16 MiB of weights each) and the Go heap
# grows to twice what is live, so samples just after a swap are higher.
#
# It fails when a call ends with a status other than the one its run
# expects, when a reload fails, when the server logs an error, or when RSS
# grows by 10% or more from the starting sample to the end.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${SOAK_DURATION:-5m}
concurrency=${SOAK_CONCURRENCY:-64}
bad_concurrency=${SOAK_BAD_CONCURRENCY:-16}
noauth_concurrency=${SOAK_NOAUTH_CONCURRENCY:-4}
reload_every=${SOAK_RELOAD_EVERY:-30}
addr=${SOAK_ADDR:-127.0.0.1:50161}
bin=${SOAK_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/stance-soak}
ghz_version=v0.120.0 # as bench/grpc.sh

work=$(mktemp -d)
server=""
ghz_pids=()
cleanup() {
  for pid in "${ghz_pids[@]}" $server; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${SOAK_KEEP:-}" ]; then echo "work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
seconds() {
  case $1 in
    *h) echo $(( ${1%h} * 3600 )) ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}
total=$(seconds "$duration")

step "ghz $ghz_version and stance"
mkdir -p "$bin"
if ! go version -m "$bin/ghz" 2>/dev/null | grep -q "github.com/bojand/ghz[[:space:]]*$ghz_version"; then
  GOBIN=$bin go install "github.com/bojand/ghz/cmd/ghz@$ghz_version"
fi
ghz=$bin/ghz
go build -o "$work/stance" ./cmd/stance
cp models/stance.model "$work/stance.model"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/token"
chmod 600 "$work/token"
token=$(cat "$work/token")

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$server/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$server/status"; }

step "serve on $addr"
# Logs go through a filter that drops the one line per call, so that the
# log holds what matters here: startup, reloads, errors.
"$work/stance" serve --addr "$addr" --model "$work/stance.model" \
  --auth-token-file "$work/token" --public-health --log-format json \
  2> >(grep --line-buffered -v '"msg":"finished call"' > "$work/serve.log") &
server=$!
for _ in $(seq 100); do grep -q '"msg":"serving"' "$work/serve.log" 2>/dev/null && break; sleep 0.1; done
grep -q '"msg":"serving"' "$work/serve.log" || { cat "$work/serve.log"; echo "server did not start"; exit 1; }
rss_idle=$(rss_kb)
echo "server pid $server, RSS idle ${rss_idle} kB"

# Valid requests, in turn: the example article (13 sentences), a short
# text explained, one sentence whole.
jq -c '[., {text: "Moscow denied any involvement. The Treasury sanctioned two men.", explain_top_k: 5},
        {text: "Beijing called the charges groundless.", split: "SPLIT_NONE"}]' examples/apt31.json > "$work/valid.json"
# Invalid requests, each answered INVALID_ARGUMENT: empty, blank, an
# unknown split, explain_top_k over 50.
jq -nc '[{text: ""}, {text: " \n\t "}, {text: "Moscow denied it.", split: 7}, {text: "Moscow denied it.", explain_top_k: 51}]' > "$work/invalid.json"

common=(--insecure --call stance.v1.StanceService/Classify -z "${total}s" --duration-stop wait
  --format json --connect-timeout 10s --timeout 20s)
auth="{\"authorization\": \"Bearer $token\"}"

step "load for $duration: $concurrency valid, $bad_concurrency invalid, $noauth_concurrency unauthenticated workers; SIGHUP every ${reload_every}s"
"$ghz" "${common[@]}" -c "$concurrency" --connections 4 -m "$auth" -D "$work/valid.json" -o "$work/valid.report.json" "$addr" &
ghz_pids+=($!)
"$ghz" "${common[@]}" -c "$bad_concurrency" --count-errors -m "$auth" -D "$work/invalid.json" -o "$work/invalid.report.json" "$addr" &
ghz_pids+=($!)
"$ghz" "${common[@]}" -c "$noauth_concurrency" --count-errors -D "$work/valid.json" -o "$work/noauth.report.json" "$addr" &
ghz_pids+=($!)

start=$(date +%s)
rss_start=""
reloads=0
last_reload=0
samples=()
while kill -0 "${ghz_pids[0]}" 2>/dev/null; do
  sleep 1
  elapsed=$(( $(date +%s) - start ))
  if [ $(( elapsed % reload_every )) -eq 0 ] && [ "$elapsed" -ne "$last_reload" ] && [ $(( elapsed + reload_every )) -le "$total" ]; then
    last_reload=$elapsed
    rss=$(rss_kb)
    rss_start=${rss_start:-$rss}
    samples+=("${elapsed}s:${rss}kB")
    kill -HUP "$server"
    reloads=$(( reloads + 1 ))
  fi
done
rss_end=$(rss_kb)
for pid in "${ghz_pids[@]}"; do wait "$pid"; done
ghz_pids=()
rss_hwm=$(hwm_kb)
rss_start=${rss_start:-$rss_idle}
sleep 0.5 # let the last reload finish logging

step "results"
fail=0
report() { # name, report file, expected code
  local name=$1 file=$2 want=$3
  jq -r --arg name "$name" '
    def ms: . / 1e6 | (. * 100 | round) / 100;
    "\($name): \(.count) requests, \(.rps | round) req/s, p50 \(.latencyDistribution[] | select(.percentage == 50) | .latency | ms) ms, p99 \(.latencyDistribution[] | select(.percentage == 99) | .latency | ms) ms",
    "  codes: \(.statusCodeDistribution | to_entries | map("\(.key) \(.value)") | join(", "))"' "$file"
  local unexpected
  unexpected=$(jq -r --arg want "$want" '.statusCodeDistribution | to_entries | map(select(.key != $want)) | map("\(.key) \(.value)") | join(", ")' "$file")
  if [ -n "$unexpected" ]; then
    echo "  UNEXPECTED: $unexpected (want only $want)"
    jq -r '.errorDistribution // {} | to_entries[] | "    \(.value)  \(.key)"' "$file" | head -5
    fail=1
  fi
}
report "valid" "$work/valid.report.json" OK
report "invalid" "$work/invalid.report.json" InvalidArgument
report "no token" "$work/noauth.report.json" Unauthenticated
total=$(jq -s 'map(.count) | add' "$work"/*.report.json)
echo "all runs: $total requests"

ok_reloads=$(grep -c '"msg":"model reloaded"' "$work/serve.log" || true)
bad_reloads=$(grep -c '"msg":"model reload failed' "$work/serve.log" || true)
echo "reloads: $reloads SIGHUPs sent, $ok_reloads succeeded, $bad_reloads failed"
if [ "$bad_reloads" -ne 0 ] || [ "$ok_reloads" -ne "$reloads" ]; then fail=1; fi
if grep -q '"level":"ERROR"' "$work/serve.log"; then
  echo "server errors:"; grep '"level":"ERROR"' "$work/serve.log" | head -5; fail=1
fi

growth=$(awk -v a="$rss_start" -v b="$rss_end" 'BEGIN {printf "%.1f", (b - a) * 100 / a}')
echo "RSS: idle ${rss_idle} kB, start (${reload_every}s of load) ${rss_start} kB, end ${rss_end} kB, peak ${rss_hwm} kB; growth ${growth}%"
echo "RSS before each SIGHUP: ${samples[*]:-none}"
if awk -v g="$growth" 'BEGIN {exit !(g >= 10)}'; then echo "RSS grew by 10% or more"; fail=1; fi

kill -TERM "$server"
wait "$server" || true
server=""
grep -q '"msg":"stopped"' "$work/serve.log" || { echo "server did not stop cleanly"; fail=1; }
if [ "$fail" -ne 0 ]; then echo "SOAK FAILED"; exit 1; fi
echo "SOAK PASSED"
