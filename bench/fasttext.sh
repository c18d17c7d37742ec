#!/usr/bin/env bash
# Accuracy of fastText against Stance on the corpus's held-out test split.
#
# Measures macro-F1 and per-label precision, recall and F1 on the test split
# (files with "test" in their names: incidents never seen in training) for:
#   fastText autotuned   -wordNgrams 2, hyperparameters autotuned for
#                        $AUTOTUNE_DURATION s (default 120) on a validation
#                        part of the train split held out by incident (every
#                        5th train incident in sorted order), trained on the
#                        other 4/5 of the train split, as autotune leaves it
#   fastText auto+full   the autotuned hyperparameters retrained on the whole
#                        train split (what Stance trains on)
#   fastText fixed       -wordNgrams 2 -dim 50 -epoch 25 -lr 0.5 -loss softmax
#                        on the whole train split, 1 thread, seed 1
#   Stance               `stance eval` of the embedded default model, or of
#                        $STANCE_MODEL; with STANCE_RETRAIN=1 also a model
#                        trained by `stance train` on the same corpus snapshot
# fastText reads the sentences lowercased with punctuation split off
# (bench/internal/corpus2ft); F1 counts the primary label only, as
# `stance eval` does (lenient accuracy also accepts a mixed sentence's
# second label).
#
# Takes about 2.5 minutes on 2 cores: the autotune budget (120 s; each
# restart after fastText's timer race, see autotune below, adds 10 s), a few
# seconds per fastText training and the build; STANCE_RETRAIN=1 adds 25 s
# (100 s on a loaded machine). Installs Debian's fasttext with apt-get if
# missing. Works in a temporary folder; reads a snapshot of the corpus as it
# is at run time. Settings: see bench/lib.sh (BENCH_CORPUS, BENCH_KEEP_TMP,
# STANCE_MODEL, STANCE_BIN).
#
# Usage: bench/fasttext.sh   (from any directory)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

AUTOTUNE_DURATION=${AUTOTUNE_DURATION:-120}
threads=$(nproc)
started=$(now)

ensure_fasttext
machine_info
build_tools
snapshot_corpus
ft=$tmp/ft

# fasttext_train LOG ARGS... runs fasttext supervised, its output to LOG
# (progress lines are long), and prints its summary lines and the time.
fasttext_train() {
  local log=$1 t0
  shift
  t0=$(now)
  show fasttext supervised "$@"
  fasttext supervised "$@" > "$log" 2>&1 || { tr '\r' '\n' < "$log" | tail -20; exit 1; }
  tr '\r' '\n' < "$log" | grep -E '^(Read|Number of)' || true
  echo "(took $(elapsed "$t0") s)"
}

# fasttext_score MODEL REPORT predicts the test split and scores it.
fasttext_score() {
  run fasttext predict "$1" "$ft/test-text.txt" > "$ft/pred.txt"
  run "$helper" score -gold "$ft/gold.txt" -pred "$ft/pred.txt" > "$2"
  cat "$2"
}

# autotune runs fastText's autotune with two guards. fastText 0.9.2 starts
# its timer thread before it sets the flag that the thread's loop tests
# (Autotune::startTimer): when the thread runs first (a third to a half of
# the starts on this project's 2-core machines) the timer never ticks, no
# "Progress:" line appears (the timer prints one every 0.5 s) and the trials
# go on forever. Without a progress line after 10 s it is killed and started
# again, up to 8 times; and it is killed anyway after the budget plus 10
# minutes.
autotune() {
  local try pid t0 rc seen cap=$((AUTOTUNE_DURATION + 600))
  for try in 1 2 3 4 5 6 7 8; do
    show fasttext supervised "$@"
    fasttext supervised "$@" > "$tmp/auto.log" 2>&1 &
    pid=$!
    t0=$SECONDS seen=0
    while kill -0 "$pid" 2> /dev/null; do
      if [ "$seen" = 0 ] && grep -q 'Progress:' "$tmp/auto.log"; then seen=1; fi
      if [ "$seen" = 0 ] && [ $((SECONDS - t0)) -ge 10 ]; then
        echo "try $try: no progress line after 10 s: autotune's timer thread lost fastText 0.9.2's start-up race and the trials would never stop; killing it and starting again"
        kill "$pid" 2> /dev/null || true
        wait "$pid" 2> /dev/null || true
        continue 2
      fi
      if [ $((SECONDS - t0)) -ge "$cap" ]; then
        echo "autotune still running after $cap s: killing it"
        kill "$pid" 2> /dev/null || true
        wait "$pid" 2> /dev/null || true
        return 1
      fi
      sleep 0.5
    done
    rc=0
    wait "$pid" || rc=$?
    if [ "$rc" -ne 0 ]; then
      tr '\r' '\n' < "$tmp/auto.log" | tail -5
      return 1
    fi
    tr '\r' '\n' < "$tmp/auto.log" | grep -E '^(Read|Number of)' || true
    echo "(took $((SECONDS - t0)) s)"
    return 0
  done
  return 1
}

say "fastText autotuned: -wordNgrams 2, $AUTOTUNE_DURATION s of autotune on valid.txt, trained on fit.txt"
columns=()
if autotune -input "$ft/fit.txt" -output "$tmp/auto" -wordNgrams 2 \
  -autotune-validation "$ft/valid.txt" -autotune-duration "$AUTOTUNE_DURATION" -thread "$threads" -verbose 3; then
  trials=$(tr '\r' '\n' < "$tmp/auto.log" | grep -c '^Trial = ' || true)
  best=$(tr '\r' '\n' < "$tmp/auto.log" | grep -o 'Best score: *[0-9.]*' | tail -1 | awk '{ print $3 }' || true)
  echo "autotune: $trials trials, best validation score (fastText's f1 over all labels) ${best:-?}"
  # The best arguments, as autotune prints them before its final training.
  tr '\r' '\n' < "$tmp/auto.log" |
    awk '/^Best selected args/ { f = 1; next } f && /^[A-Za-z]+ = / { print $1, $3; next } f { exit }' > "$tmp/auto.args"
  echo "best arguments: $(tr '\n' ' ' < "$tmp/auto.args")"
  fasttext_score "$tmp/auto.bin" "$tmp/auto.report"
  columns+=("fastText-auto=$tmp/auto.report")

  say "fastText autotuned, retrained on the whole train split"
  auto_args=()
  while read -r key val; do
    case $key in
      epoch | lr | dim | minCount | wordNgrams | minn | maxn | bucket | loss) auto_args+=("-$key" "$val") ;;
    esac
  done < "$tmp/auto.args"
  if [ ${#auto_args[@]} -gt 0 ]; then
    fasttext_train "$tmp/autofull.log" -input "$ft/train.txt" -output "$tmp/autofull" "${auto_args[@]}" -thread "$threads"
    fasttext_score "$tmp/autofull.bin" "$tmp/autofull.report"
    columns+=("fastText-auto+full=$tmp/autofull.report")
  else
    echo "could not read autotune's best arguments from its log: skipped"
  fi
else
  echo "WARNING: autotune failed: no autotuned columns"
fi

say "fastText fixed: -wordNgrams 2 -dim 50 -epoch 25 -lr 0.5 -loss softmax, whole train split"
fasttext_train "$tmp/fixed.log" -input "$ft/train.txt" -output "$tmp/fixed" \
  -wordNgrams 2 -dim 50 -epoch 25 -lr 0.5 -loss softmax -thread 1 -seed 1
fasttext_score "$tmp/fixed.bin" "$tmp/fixed.report"
columns+=("fastText-fixed=$tmp/fixed.report")

say "Stance: stance eval on the same test split"
model_args=()
if [ -n "${STANCE_MODEL:-}" ]; then
  model_args=(--model "$STANCE_MODEL")
  echo "model: $STANCE_MODEL"
else
  echo "model: the embedded default (models/stance.model as built)"
fi
run "$stance" eval --corpus "$tmp/corpus" "${model_args[@]}" > "$tmp/stance.report"
cat "$tmp/stance.report"
columns+=("Stance=$tmp/stance.report")

if [ "${STANCE_RETRAIN:-0}" = 1 ]; then
  say "Stance retrained on the same corpus snapshot"
  t0=$(now)
  show "$stance" train --corpus "$tmp/corpus" --out "$tmp/retrained.model"
  "$stance" train --corpus "$tmp/corpus" --out "$tmp/retrained.model" > "$tmp/train.out" 2> "$tmp/train.err" ||
    { cat "$tmp/train.err"; exit 1; }
  tail -1 "$tmp/train.out"
  echo "(took $(elapsed "$t0") s)"
  run "$stance" eval --corpus "$tmp/corpus" --model "$tmp/retrained.model" > "$tmp/retrained.report"
  cat "$tmp/retrained.report"
  columns+=("Stance-retrained=$tmp/retrained.report")
fi

say "side by side: held-out test split (F1 on the primary label)"
"$helper" table "${columns[@]}"
echo
echo "total time $(elapsed "$started") s"
