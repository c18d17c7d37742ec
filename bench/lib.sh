# Shared setup of the fastText comparison scripts (bench/fasttext.sh,
# bench/vs-fasttext.sh); source it, do not run it. It needs bash, Go,
# coreutils, awk and apt-get (to install fasttext when it is missing).
#
# After sourcing: $root is the repository root (and the working directory),
# $tmp a fresh temporary folder (removed on exit unless BENCH_KEEP_TMP=1),
# $helper the built bench/internal/corpus2ft. Settings read from the
# environment:
#   BENCH_CORPUS    corpus folder, relative to the repository root (models/corpus)
#   BENCH_KEEP_TMP  1: keep the temporary folder and print its path
#   STANCE_MODEL    Stance model file to use instead of the embedded default
#                   (relative paths are taken from the caller's directory)
#   STANCE_BIN      a stance binary to use instead of building ./cmd/stance
#                   (an absolute path)

# Resolve STANCE_MODEL from the caller's directory before moving to the root.
if [ -n "${STANCE_MODEL:-}" ]; then
  case $STANCE_MODEL in
    /*) ;;
    *) STANCE_MODEL=$PWD/$STANCE_MODEL ;;
  esac
  [ -f "$STANCE_MODEL" ] || { echo "STANCE_MODEL=$STANCE_MODEL: no such file" >&2; exit 1; }
  export STANCE_MODEL
fi

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/stance-bench.XXXXXX")
if [ "${BENCH_KEEP_TMP:-0}" = 1 ]; then
  trap 'echo "(kept $tmp)"' EXIT
else
  trap 'rm -rf "$tmp"' EXIT
fi

# say prints a section title.
say() { printf '\n== %s\n' "$*"; }

# show prints a command line, to stderr (stdout may be redirected to a file).
show() {
  printf '$' >&2
  printf ' %q' "$@" >&2
  printf '\n' >&2
}

# run prints a command, then runs it.
run() {
  show "$@"
  "$@"
}

# now prints the time in seconds since the epoch, with nanoseconds.
now() { date +%s.%N; }

# elapsed START prints the seconds since START, to 0.1 s.
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ensure_fasttext installs Debian's fasttext package when fasttext is missing.
ensure_fasttext() {
  if command -v fasttext > /dev/null 2>&1; then
    return
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo=sudo
  fi
  say "installing fasttext (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y fasttext > "$tmp/apt.log" 2>&1; then
    $sudo apt-get update > "$tmp/apt-update.log" 2>&1 || { cat "$tmp/apt-update.log"; exit 1; }
    $sudo apt-get install -y fasttext > "$tmp/apt.log" 2>&1 || { cat "$tmp/apt.log"; exit 1; }
  fi
  command -v fasttext > /dev/null || { echo "fasttext still missing after apt-get install" >&2; exit 1; }
}

# machine_info prints what the figures were measured on.
machine_info() {
  say "machine"
  echo "date:      $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
  echo "nproc:     $(nproc)"
  echo "cpu:       $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "memory:    $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) total, $(awk '/^MemAvailable/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) available"
  echo "load avg:  $(cut -d' ' -f1-3 /proc/loadavg) (other processes on the machine skew timings)"
  echo "kernel:    $(uname -sr)"
  echo "go:        $(go version)"
  echo "fasttext:  $(command -v fasttext) $(dpkg-query -W -f='${Version}' fasttext 2> /dev/null || echo '(version unknown)')"
  echo "repo:      $root at $(git -C "$root" rev-parse --short HEAD 2> /dev/null || echo '?')$( [ -n "$(git -C "$root" status --porcelain -- cmd classifier models 2> /dev/null)" ] && echo ' (working tree has uncommitted changes)')"
}

# build_tools builds the helper and the stance binary into $tmp.
build_tools() {
  say "build"
  run go build -o "$tmp/corpus2ft" ./bench/internal/corpus2ft
  helper=$tmp/corpus2ft
  if [ -n "${STANCE_BIN:-}" ]; then
    stance=$STANCE_BIN
    echo "stance binary: $stance (STANCE_BIN)"
  else
    run go build -o "$tmp/stance" ./cmd/stance
    stance=$tmp/stance
  fi
}

# load_warning warns when the machine is busier than its cores.
load_warning() {
  awk -v n="$(nproc)" '{ if ($1 > n) printf "WARNING: load average %s over %d cores: other processes compete for the CPU (also for core 0), so wall times include waiting; user CPU times are the steadier figures\n", $1, n }' /proc/loadavg
}

# snapshot_corpus copies the corpus to $tmp/corpus (it may be growing while
# we run: everything after this reads the copy) and converts it to fastText
# format in $tmp/ft. A copy caught mid-write fails to parse and is retried.
snapshot_corpus() {
  local src=$root/${BENCH_CORPUS:-models/corpus} attempt
  say "corpus snapshot and conversion"
  mkdir -p "$tmp/ft"
  for attempt in 1 2 3; do
    rm -rf "$tmp/corpus"
    mkdir -p "$tmp/corpus"
    cp "$src"/*.jsonl "$tmp/corpus/"
    if [ -f "$src/incidents.json" ]; then cp "$src/incidents.json" "$tmp/corpus/"; fi
    echo "copied $(ls "$tmp/corpus"/*.jsonl | wc -l) *.jsonl files from $src ($(cat "$tmp/corpus"/*.jsonl | wc -c) bytes)"
    if run "$helper" convert -corpus "$tmp/corpus" -out "$tmp/ft" -valid-every 5 > "$tmp/convert.out" 2>&1; then
      cat "$tmp/convert.out"
      return
    fi
    cat "$tmp/convert.out"
    echo "(attempt $attempt: the corpus did not parse, maybe caught mid-write; retrying)"
    sleep 2
  done
  exit 1
}
