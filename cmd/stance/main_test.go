package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/claimstance/stance/internal/testserver"
	"github.com/claimstance/stance/models"
	"github.com/claimstance/stance/server"
)

// runCLI runs the stance command line in-process and returns its output.
func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

func TestTrainReproducesDefaultModel(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("trains the default model (a minute; ten under -race): .ci/run runs it without -race")
	}
	out := filepath.Join(t.TempDir(), "stance.model")
	stdout, _, err := runCLI(t, "train", "--corpus", "../../models/corpus", "--out", out)
	if err != nil {
		t.Fatalf("stance train: %v", err)
	}
	if !strings.Contains(stdout, "held-out test split") || !strings.Contains(stdout, "macro-F1") {
		t.Errorf("stance train output lacks the test figures:\n%s", stdout)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, models.DefaultModelFile()) {
		t.Errorf("stance train wrote %d bytes that differ from the embedded default model (%d bytes): retrain with 'go run ./cmd/stance train' and commit models/stance.model",
			len(got), len(models.DefaultModelFile()))
	}
}

func TestClassifyInProcessAndRemoteAgree(t *testing.T) {
	article := "../../examples/apt31.txt"
	local, _, err := runCLI(t, "classify", "--json", article)
	if err != nil {
		t.Fatalf("stance classify --json: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(local), "\n")
	if len(lines) != 13 {
		t.Fatalf("stance classify --json printed %d lines, want 13 (one per sentence)", len(lines))
	}
	var first sentenceOut
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatalf("line 1 is not a sentence object: %v", err)
	}
	if first.Stance != "denial" || first.Start != 0 || len(first.Scores) != 4 {
		t.Errorf("line 1 = %+v, want a denial at offset 0 with four scores", first)
	}

	addr, _ := testserver.Start(t, nil, server.Options{})
	remote, _, err := runCLI(t, "classify", "--json", "--addr", addr, article)
	if err != nil {
		t.Fatalf("stance classify --addr: %v", err)
	}
	var a, b []sentenceOut
	for _, l := range strings.Split(strings.TrimSpace(local), "\n") {
		var s sentenceOut
		json.Unmarshal([]byte(l), &s)
		a = append(a, s)
	}
	for _, l := range strings.Split(strings.TrimSpace(remote), "\n") {
		var s sentenceOut
		json.Unmarshal([]byte(l), &s)
		b = append(b, s)
	}
	if len(a) != len(b) {
		t.Fatalf("in-process gave %d sentences, the server %d", len(a), len(b))
	}
	for i := range a {
		if a[i].Stance != b[i].Stance || a[i].Start != b[i].Start || a[i].End != b[i].End {
			t.Errorf("sentence %d: in-process %+v, server %+v", i+1, a[i], b[i])
		}
	}

	table, _, err := runCLI(t, "classify", article)
	if err != nil || !strings.Contains(table, "stance") || !strings.Contains(table, "Recent Stories") {
		t.Errorf("stance classify (table) = %q, %v; want a table with a header and the sentences", table, err)
	}
}

func TestEnvironmentFallback(t *testing.T) {
	t.Setenv("STANCE_WHOLE", "true")
	out, _, err := runCLI(t, "classify", "--json", "../../examples/apt31.txt")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.TrimSpace(out), "\n") + 1; n != 1 {
		t.Errorf("with STANCE_WHOLE=true, classify printed %d sentences, want 1", n)
	}
	t.Setenv("STANCE_WHOLE", "maybe")
	if _, _, err := runCLI(t, "classify", "../../examples/apt31.txt"); err == nil || !strings.Contains(err.Error(), "STANCE_WHOLE") {
		t.Errorf("with STANCE_WHOLE=maybe: err %v, want one naming STANCE_WHOLE", err)
	}
}

func TestEvalTokenizeAndUsage(t *testing.T) {
	out, _, err := runCLI(t, "eval", "--corpus", "../../models/corpus")
	if err != nil || !strings.Contains(out, "macro-F1") || !strings.Contains(out, "confusion") {
		t.Errorf("stance eval = %q, %v; want a report with macro-F1 and a confusion matrix", out, err)
	}
	f := filepath.Join(t.TempDir(), "in.txt")
	os.WriteFile(f, []byte("Café hackers"), 0o644)
	out, _, err = runCLI(t, "tokenize", f)
	if err != nil || !strings.Contains(out, "cafe") || !strings.Contains(out, `"Café"`) {
		t.Errorf("stance tokenize = %q, %v; want the piece cafe with its surface \"Café\"", out, err)
	}
	if _, _, err := runCLI(t, "frobnicate"); !errors.Is(err, errUsage) {
		t.Errorf("unknown command: %v, want a usage error", err)
	}
	if _, _, err := runCLI(t, "serve", "--model", filepath.Join(t.TempDir(), "missing.model")); err == nil {
		t.Errorf("serve with a missing model file: no error")
	}
}
