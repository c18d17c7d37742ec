#!/usr/bin/env bash
# Throughput of `stance classify --json` against `fasttext predict-prob` on
# one core.
#
# Builds an input of at least $BENCH_MIN_MB MiB (default 30) of corpus
# sentences, one a line (all the corpus's sentences, repeated in a
# deterministic shuffled order), trains a fastText model on the train split
# (-wordNgrams 2 -dim 50 -epoch 25 -lr 0.5 -loss softmax), then runs, pinned
# to core 0 with taskset and alternating, $BENCH_RUNS times each (default 3):
#   fasttext predict-prob MODEL.bin input.txt > /dev/null
#   stance classify --json input.txt > /dev/null
# and prints wall time, user and system CPU time, MB/s (1 MB = 10^6 bytes)
# and peak resident memory of every run, the medians and the ratio
# stance/fastText. Both read the same raw text: Stance segments and
# WordPiece-tokenizes it, fastText only splits it at whitespace (it was
# trained on lowercased text with punctuation split off, so its labels on raw
# text are rougher; only its speed is measured here). Each process also pays
# its start-up (fastText reads a ~400 MB model), measured apart on a
# one-line input.
#
# Safety: a preflight classifies 128 KiB and 512 KiB prefixes with Stance and
# projects its peak memory for the whole input; every run is watched and
# killed past $BENCH_RSS_LIMIT_MB MiB (default: half the available memory, at
# most 8192). If the projection or a run passes the limit, Stance is timed on
# 256 KiB chunks of the input instead (one process per chunk) and the output
# says so.
#
# Takes about 20 s on an idle 2-core machine with a warm Go build cache
# (training ~2 s, each timed run 2-3 s), a few minutes on a loaded one or a
# cold cache; much longer if Stance has to be chunked. Installs Debian's
# fasttext with apt-get if missing. Uses the embedded default model unless
# STANCE_MODEL names a model file.
#
# Usage: bench/vs-fasttext.sh   (from any directory)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

min_mb=${BENCH_MIN_MB:-30}
runs=${BENCH_RUNS:-3}
avail_mb=$(awk '/^MemAvailable/ { print int($2 / 1024) }' /proc/meminfo)
rss_limit_mb=${BENCH_RSS_LIMIT_MB:-$(( avail_mb / 2 < 8192 ? avail_mb / 2 : 8192 ))}
chunk=${BENCH_CHUNK:-256K}
started=$(now)

ensure_fasttext
command -v taskset > /dev/null || { echo "taskset (util-linux) is missing" >&2; exit 1; }
machine_info
build_tools
snapshot_corpus
ft=$tmp/ft
input=$tmp/input.txt

say "input: corpus sentences, one a line, at least $min_mb MiB"
run "$helper" sentences -corpus "$tmp/corpus" -out "$input" -min-bytes $(( min_mb * 1048576 )) -seed 1
bytes=$(wc -c < "$input")
head -1 "$input" > "$tmp/one.txt"

say "fastText model: train split, -wordNgrams 2 -dim 50 -epoch 25 -lr 0.5 -loss softmax"
t0=$(now)
show fasttext supervised -input "$ft/train.txt" -output "$tmp/model" -wordNgrams 2 -dim 50 -epoch 25 -lr 0.5 -loss softmax -thread "$(nproc)"
fasttext supervised -input "$ft/train.txt" -output "$tmp/model" -wordNgrams 2 -dim 50 -epoch 25 -lr 0.5 -loss softmax \
  -thread "$(nproc)" > "$tmp/train.log" 2>&1 || { tr '\r' '\n' < "$tmp/train.log" | tail -20; exit 1; }
echo "(took $(elapsed "$t0") s; $tmp/model.bin is $(( $(wc -c < "$tmp/model.bin") / 1048576 )) MiB)"

stance_args=(classify --json)
if [ -n "${STANCE_MODEL:-}" ]; then
  stance_args+=(--model "$STANCE_MODEL")
fi

# measure NAME FILE CMD... runs CMD on core 0 (stdout to /dev/null), under
# the memory watch, timed by bash's time. Sets wall, user, sys, rss_mb,
# killed and rc.
measure() {
  local name=$1 file=$2
  shift 2
  local tf=$tmp/time.$name rep=$tmp/rss.$name
  local TIMEFORMAT='%R %U %S'
  rc=0
  { time "$helper" run -rss-limit-mb "$rss_limit_mb" -report "$rep" -- taskset -c 0 "$@" "$file" > /dev/null 2> "$tmp/err.$name"; } 2> "$tf" || rc=$?
  read -r wall user sys < "$tf"
  rss_mb=$(sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p' "$rep" | awk '{ printf "%.0f", $1 / 1024 }')
  killed=$(sed -n 's/.*killed=\([01]\).*/\1/p' "$rep")
}

# measure_chunks NAME CMD... runs CMD once per chunk of the input, all
# under one time; peak memory is the largest of the chunks'.
measure_chunks() {
  local name=$1
  shift
  local tf=$tmp/time.$name c TIMEFORMAT='%R %U %S'
  rc=0 killed=0
  rm -f "$tmp"/rss.chunk.*
  {
    time for c in "$tmp"/chunks/c.*; do
      "$helper" run -rss-limit-mb "$rss_limit_mb" -report "$tmp/rss.chunk.${c##*.}" -- taskset -c 0 "$@" "$c" > /dev/null 2>> "$tmp/err.$name" || exit 1
    done
  } 2> "$tf" || rc=$?
  read -r wall user sys < "$tf"
  rss_mb=$(cat "$tmp"/rss.chunk.* | sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p' | sort -n | tail -1 | awk '{ printf "%.0f", $1 / 1024 }')
  if grep -q 'killed=1' "$tmp"/rss.chunk.*; then killed=1; fi
}

mbps() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.2f", b / 1e6 / t }'; }

say "start-up: one-line input, $runs runs each (memory limit $rss_limit_mb MiB)"
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for name in fasttext stance; do
  walls=() users=()
  for i in $(seq "$runs"); do
    if [ $name = fasttext ]; then
      measure startup "$tmp/one.txt" fasttext predict-prob "$tmp/model.bin"
    else
      measure startup "$tmp/one.txt" "$stance" "${stance_args[@]}"
    fi
    walls+=("$wall") users+=("$user")
  done
  printf '%-9s start-up: median %s s wall, %s s user (wall of each run: %s), peak RSS %s MiB\n' "$name" \
    "$(median "${walls[@]}")" "$(median "${users[@]}")" "${walls[*]}" "$rss_mb"
done
stance_start_rss=$rss_mb

say "preflight: Stance's peak memory as the input grows"
mode=whole
declare -a pre_b=() pre_r=()
for kib in 128 512; do
  head -c $(( kib * 1024 )) "$input" | sed '$d' > "$tmp/pre.txt"
  measure preflight "$tmp/pre.txt" "$stance" "${stance_args[@]}"
  b=$(wc -c < "$tmp/pre.txt")
  pre_b+=("$b")
  pre_r+=("$rss_mb")
  printf '%8d bytes: %6.2f s wall, %6.2f s user, %6.2f s sys, peak RSS %5s MiB%s\n' "$b" "$wall" "$user" "$sys" "$rss_mb" \
    "$([ "$killed" = 1 ] && echo ' (killed at the memory limit)')"
  if [ "$killed" = 1 ]; then mode=chunks; fi
done
# Growth over the one-line start-up RSS, fitted as size^k (k in [1, 3]).
proj=$(awk -v b1="${pre_b[0]}" -v r1="${pre_r[0]}" -v b2="${pre_b[1]}" -v r2="${pre_r[1]}" -v r0="$stance_start_rss" -v n="$bytes" 'BEGIN {
  g1 = r1 - r0; g2 = r2 - r0
  k = 1
  if (g1 > 8 && g2 > g1) { k = log(g2 / g1) / log(b2 / b1) }
  if (k < 1) k = 1
  if (k > 3) k = 3
  if (g2 < 0) g2 = 0
  printf "%.0f %.2f", r0 + g2 * (n / b2) ^ k, k }')
read -r proj_mb proj_k <<< "$proj"
echo "projected peak RSS for the whole $bytes-byte input: $proj_mb MiB (memory grows as size^$proj_k beyond start-up)"
if [ "$mode" = whole ] && [ "$proj_mb" -gt "$rss_limit_mb" ]; then
  mode=chunks
fi
if [ "$mode" = chunks ]; then
  echo "WARNING: Stance would need about $proj_mb MiB (limit $rss_limit_mb MiB) to classify the input in one call:"
  echo "         timing it on $chunk chunks of the input instead, one process per chunk"
fi

prepare_chunks() {
  mkdir -p "$tmp/chunks"
  (cd "$tmp/chunks" && split -C "$chunk" -d -a 5 "$input" c.)
  echo "split into $(ls "$tmp/chunks" | wc -l) chunks of at most $chunk (whole lines)"
}
if [ "$mode" = chunks ]; then prepare_chunks; fi

say "timed runs on core 0 (taskset -c 0), alternating, $bytes bytes ($(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB)"
echo "load avg: $(cut -d' ' -f1-3 /proc/loadavg)"
load_warning
echo "\$ taskset -c 0 fasttext predict-prob $tmp/model.bin $input > /dev/null"
if [ "$mode" = whole ]; then
  echo "\$ taskset -c 0 $stance ${stance_args[*]} $input > /dev/null"
else
  echo "\$ for c in $tmp/chunks/c.*; do taskset -c 0 $stance ${stance_args[*]} \$c; done > /dev/null"
fi
ft_walls=() st_walls=() ft_users=() st_users=()
attempt=1
while :; do
  restart=0
  for i in $(seq "$runs"); do
    measure fasttext "$input" fasttext predict-prob "$tmp/model.bin"
    if [ "$rc" -ne 0 ]; then
      echo "fasttext failed (exit $rc):"
      tail -5 "$tmp/err.fasttext"
      exit 1
    fi
    ft_walls+=("$wall") ft_users+=("$user")
    printf 'run %d fastText: %7.2f s wall %7.2f s user %6.2f s sys %8s MB/s  peak RSS %6s MiB\n' "$i" "$wall" "$user" "$sys" "$(mbps "$bytes" "$wall")" "$rss_mb"
    if [ "$mode" = whole ]; then
      measure stance "$input" "$stance" "${stance_args[@]}"
    else
      measure_chunks stance "$stance" "${stance_args[@]}"
    fi
    if [ "$killed" = 1 ] && [ "$mode" = whole ] && [ "$attempt" = 1 ]; then
      printf 'run %d Stance:   KILLED at the %s MiB memory limit after %.2f s wall (%.2f s user, %.2f s sys)\n' "$i" "$rss_limit_mb" "$wall" "$user" "$sys"
      echo "WARNING: switching Stance to $chunk chunks and starting the timed runs again"
      mode=chunks attempt=2 restart=1
      prepare_chunks
      ft_walls=() st_walls=() ft_users=() st_users=()
      break
    fi
    if [ "$rc" -ne 0 ]; then
      echo "stance failed (exit $rc, killed $killed):"
      tail -5 "$tmp/err.stance"
      exit 1
    fi
    st_walls+=("$wall") st_users+=("$user")
    printf 'run %d Stance:   %7.2f s wall %7.2f s user %6.2f s sys %8s MB/s  peak RSS %6s MiB%s\n' "$i" "$wall" "$user" "$sys" "$(mbps "$bytes" "$wall")" "$rss_mb" \
      "$([ "$mode" = chunks ] && echo "  (chunks: largest chunk's RSS)")"
  done
  [ "$restart" = 1 ] || break
done

ft_wall=$(median "${ft_walls[@]}") st_wall=$(median "${st_walls[@]}")
ft_user=$(median "${ft_users[@]}") st_user=$(median "${st_users[@]}")

say "medians of $runs runs ($bytes bytes, core 0)"
printf '%-9s %8s %8s %9s %11s\n' "" "wall s" "user s" "MB/s" "MB/s (user)"
printf '%-9s %8.2f %8.2f %9s %11s\n' fastText "$ft_wall" "$ft_user" "$(mbps "$bytes" "$ft_wall")" "$(mbps "$bytes" "$ft_user")"
printf '%-9s %8.2f %8.2f %9s %11s\n' Stance "$st_wall" "$st_user" "$(mbps "$bytes" "$st_wall")" "$(mbps "$bytes" "$st_user")"
awk -v fw="$ft_wall" -v sw="$st_wall" -v fu="$ft_user" -v su="$st_user" 'BEGIN {
  printf "ratio stance/fastText: wall time %.2fx, user CPU time %.2fx (throughput stance/fastText %.2fx)\n", sw / fw, su / fu, fw / sw }'
echo "load avg: $(cut -d' ' -f1-3 /proc/loadavg)"
load_warning
if [ "$mode" = chunks ]; then
  echo "NOTE: Stance ran on $chunk chunks (one process each) because classifying the whole input at once would need about $proj_mb MiB"
fi
echo
echo "total time $(elapsed "$started") s"
