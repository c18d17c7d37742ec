package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/claimstance/stance/classifier"
	"github.com/claimstance/stance/internal/testserver"
	"github.com/claimstance/stance/server"
)

// bulkLine is one output line of classify --jsonl.
type bulkLine struct {
	ID        json.RawMessage `json:"id"`
	Sentences []sentenceOut   `json:"sentences"`
	Error     string          `json:"error"`
}

// parseBulk parses the output of classify --jsonl.
func parseBulk(t *testing.T, out string) []bulkLine {
	t.Helper()
	var lines []bulkLine
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var l bulkLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("output line %d %q: %v", n, sc.Text(), err)
		}
		lines = append(lines, l)
	}
	return lines
}

// corpusDocs writes n documents of one to five test-split sentences each to
// a JSON Lines file, with ids 0 to n-1, and returns its path.
func corpusDocs(t *testing.T, n int) string {
	t.Helper()
	c, err := classifier.LoadCorpus(os.DirFS("../../models/corpus"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	next := 0
	for id := range n {
		var text []string
		for range 1 + id%5 {
			text = append(text, c.Test[next%len(c.Test)].Text)
			next++
		}
		line, _ := json.Marshal(map[string]any{"id": id, "text": strings.Join(text, " ")})
		b.Write(line)
		b.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), "docs.jsonl")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestClassifyJSONLKeepsOrderAndAgreesWithServer(t *testing.T) {
	const n = 200
	docs := corpusDocs(t, n)
	one, _, err := runCLI(t, "classify", "--jsonl", docs, "--concurrency", "1")
	if err != nil {
		t.Fatalf("classify --jsonl --concurrency 1: %v", err)
	}
	four, _, err := runCLI(t, "classify", "--jsonl", docs, "--concurrency", "4")
	if err != nil {
		t.Fatalf("classify --jsonl --concurrency 4: %v", err)
	}
	if one != four {
		t.Errorf("classify --jsonl: output with --concurrency 4 differs from --concurrency 1")
	}
	local := parseBulk(t, four)
	if len(local) != n {
		t.Fatalf("classify --jsonl --concurrency 4 wrote %d lines, want %d", len(local), n)
	}
	for i, l := range local {
		if got, want := string(l.ID), strconv.Itoa(i); got != want {
			t.Fatalf("output line %d has id %s, want %s (input order)", i+1, got, want)
		}
		if l.Error != "" || len(l.Sentences) == 0 {
			t.Errorf("document %d: error %q, %d sentences; want sentences", i, l.Error, len(l.Sentences))
		}
	}

	addr, _ := testserver.Start(t, nil, server.Options{})
	out, _, err := runCLI(t, "classify", "--jsonl", docs, "--addr", addr, "--concurrency", "4")
	if err != nil {
		t.Fatalf("classify --jsonl --addr: %v", err)
	}
	remote := parseBulk(t, out)
	if len(remote) != n {
		t.Fatalf("classify --jsonl --addr wrote %d lines, want %d", len(remote), n)
	}
	for i := range local {
		a, b := local[i], remote[i]
		if string(a.ID) != string(b.ID) || len(a.Sentences) != len(b.Sentences) {
			t.Errorf("document %d: in-process id %s with %d sentences, server id %s with %d", i, a.ID, len(a.Sentences), b.ID, len(b.Sentences))
			continue
		}
		for k := range a.Sentences {
			sa, sb := a.Sentences[k], b.Sentences[k]
			if sa.Stance != sb.Stance || sa.Start != sb.Start || sa.End != sb.End || sa.Text != sb.Text {
				t.Errorf("document %d sentence %d: in-process %+v, server %+v", i, k+1, sa, sb)
			}
		}
	}
}

func TestClassifyJSONLIdsAndBadLines(t *testing.T) {
	// Each input line and what its output line must be: the id byte for
	// byte, and part of the error after "line N: " ("" for a labeled
	// document).
	tests := []struct {
		in, id, err string
	}{
		{in: `{"id": "a-1", "text": "Moscow denied any involvement."}`, id: `"a-1"`},
		{in: `{"id": 42, "text": "The Treasury sanctioned two Russian nationals."}`, id: `42`},
		{in: `{"text": "Prosecutors charged seven hackers.", "id": -1.5e3}`, id: `-1.5e3`},
		{in: `{"id": "\u00e9\"q", "text": "Investigators linked the malware to the GRU."}`, id: `"\u00e9\"q"`},
		{in: `not json`, id: `null`, err: "invalid character"},
		{in: `{"id": 7}`, id: `7`, err: `no "text"`},
		{in: `{"id": 8, "text": "   "}`, id: `8`, err: "text is empty or blank"},
		{in: `{"text": "No id here."}`, id: `null`, err: `no "id"`},
		{in: `{"id": {"k": 1}, "text": "An object id."}`, id: `{"k":1}`, err: `"id" is neither a string nor a number`},
		{in: `{"id": 10, "text": 5}`, id: `10`, err: "json: cannot unmarshal number"},
		{in: `{"id": "last", "text": "Beijing called the charges groundless."}`, id: `"last"`},
	}
	var in strings.Builder
	for i, tt := range tests {
		in.WriteString(tt.in)
		if i == 3 {
			in.WriteString("\r") // a CRLF line ending
		}
		in.WriteString("\n")
	}
	path := filepath.Join(t.TempDir(), "in.jsonl")
	os.WriteFile(path, []byte(in.String()), 0o644)

	addr, _ := testserver.Start(t, nil, server.Options{})
	for _, mode := range []struct {
		name string
		args []string
	}{
		{"in-process", nil},
		{"server", []string{"--addr", addr}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			args := append([]string{"classify", "--jsonl", path, "--concurrency", "3"}, mode.args...)
			out, stderr, err := runCLI(t, args...)
			if err == nil || !strings.Contains(err.Error(), "6 of 11 documents failed") || !strings.Contains(err.Error(), "line 5:") {
				t.Errorf("classify --jsonl %s: error %v, want one saying 6 of 11 documents failed, the first on line 5", path, err)
			}
			if stderr != "" {
				t.Errorf("classify --jsonl wrote %q to a stderr that is no terminal, want nothing", stderr)
			}
			lines := parseBulk(t, out)
			if len(lines) != len(tests) {
				t.Fatalf("classify --jsonl wrote %d lines, want %d:\n%s", len(lines), len(tests), out)
			}
			for i, tt := range tests {
				got := lines[i]
				if string(got.ID) != tt.id {
					t.Errorf("line %d %s: id %s, want %s", i+1, tt.in, got.ID, tt.id)
				}
				if tt.err == "" && (got.Error != "" || len(got.Sentences) == 0) {
					t.Errorf("line %d %s: error %q with %d sentences, want sentences", i+1, tt.in, got.Error, len(got.Sentences))
				}
				prefix := fmt.Sprintf("line %d: ", i+1)
				if tt.err != "" && (!strings.HasPrefix(got.Error, prefix) || !strings.Contains(got.Error, tt.err) || len(got.Sentences) != 0) {
					t.Errorf("line %d %s: error %q with %d sentences, want an error %q...%q", i+1, tt.in, got.Error, len(got.Sentences), prefix, tt.err)
				}
			}
			if s := lines[1].Sentences; len(s) != 1 || s[0].Stance != "sanction" || s[0].Start != 0 || len(s[0].Scores) != 4 {
				t.Errorf("line 2: sentences %+v, want one sanction at offset 0 with four scores", s)
			}
		})
	}
}

func TestClassifyJSONLStopsWhenTheServerIsDown(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := lis.Addr().String()
	lis.Close()
	docs := corpusDocs(t, 50)
	out, _, err := runCLI(t, "classify", "--jsonl", docs, "--addr", addr, "--concurrency", "2")
	if err == nil || !strings.Contains(err.Error(), "stopped after 0 documents") || !strings.Contains(err.Error(), "Unavailable") {
		t.Errorf("classify --jsonl --addr with no server: error %v, want one saying it stopped after 0 documents, Unavailable", err)
	}
	if out != "" {
		t.Errorf("classify --jsonl --addr with no server wrote %q, want nothing", out)
	}
}

func TestClassifyBulkReordersOutOfOrderWork(t *testing.T) {
	// Document 2k cannot finish before document 2k+1 has, so the workers
	// finish every pair out of order; the output must still be in order.
	const n = 200
	gates := make([]chan struct{}, n)
	for i := range gates {
		gates[i] = make(chan struct{})
	}
	var mu sync.Mutex
	var finished []int // protected by mu
	classify := func(_ context.Context, text string) ([]sentenceOut, error) {
		i, err := strconv.Atoi(strings.TrimPrefix(text, "doc "))
		if err != nil {
			return nil, err
		}
		if i%2 == 0 && i+1 < n {
			<-gates[i+1]
		}
		mu.Lock()
		finished = append(finished, i)
		mu.Unlock()
		close(gates[i])
		return []sentenceOut{{Text: text, End: len(text), Stance: "background"}}, nil
	}
	var in bytes.Buffer
	for i := range n {
		fmt.Fprintf(&in, "{\"id\": %d, \"text\": \"doc %d\"}\n", i, i)
	}
	var out bytes.Buffer
	st, err := classifyBulk(context.Background(), &in, &out, bulkConfig{concurrency: 4, maxLine: maxLineBytes, classify: classify})
	if err != nil || st.docs != n || st.failed != 0 {
		t.Fatalf("classifyBulk = %+v, %v; want %d documents, none failed", st, err, n)
	}
	if finished[0] == 0 {
		t.Fatalf("document 0 finished first; the test did not make the work finish out of order")
	}
	for i, l := range parseBulk(t, out.String()) {
		if got, want := string(l.ID), strconv.Itoa(i); got != want || len(l.Sentences) != 1 || l.Sentences[0].Text != "doc "+want {
			t.Fatalf("output line %d: id %s, sentences %+v; want id %s with the sentence %q", i+1, got, l.Sentences, want, "doc "+want)
		}
	}
}

func TestReadLine(t *testing.T) {
	long := strings.Repeat("x", 40)
	tests := []struct {
		name, in string
		limit    int
		want     []string // lines, "!" for errLineTooLong
	}{
		{"lines", "a\nbb\n\nccc", 10, []string{"a", "bb", "", "ccc"}},
		{"crlf", "a\r\nb\r\n", 10, []string{"a", "b"}},
		{"longer than the buffer", long + "\nz\n", 100, []string{long, "z"}},
		{"too long", "ok\n" + long + "\nz", 39, []string{"ok", "!", "z"}},
		{"too long at the end", "ok\n" + long, 39, []string{"ok", "!"}},
		{"exactly the limit", long + "\r\n", 40, []string{long}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReaderSize(strings.NewReader(tt.in), 16)
			var got []string
			var total int64
			for {
				line, size, err := readLine(br, tt.limit)
				total += size
				if size == 0 && errors.Is(err, io.EOF) {
					break
				}
				switch {
				case errors.Is(err, errLineTooLong):
					got = append(got, "!")
				case err != nil && !errors.Is(err, io.EOF):
					t.Fatalf("readLine: %v", err)
				default:
					got = append(got, string(line))
				}
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("readLine over %q (limit %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
			if total != int64(len(tt.in)) {
				t.Errorf("readLine over %q took %d bytes in all, want %d", tt.in, total, len(tt.in))
			}
		})
	}
}

func TestClassifyJSONLNoProgressWhenNotATerminal(t *testing.T) {
	docs := corpusDocs(t, 20)
	stderr, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"classify", "--jsonl", docs}, &stdout, stderr); err != nil {
		t.Fatalf("classify --jsonl: %v", err)
	}
	if got, _ := os.ReadFile(stderr.Name()); len(got) != 0 {
		t.Errorf("classify --jsonl with stderr a file wrote %q to it, want nothing", got)
	}
	if n := len(parseBulk(t, stdout.String())); n != 20 {
		t.Errorf("classify --jsonl wrote %d lines, want 20", n)
	}
}

func TestProgressLine(t *testing.T) {
	tests := []struct {
		name                string
		total               int64
		docs, bytes, failed int64
		elapsed             time.Duration
		want                string
	}{
		{"start", 50e6, 0, 0, 0, 0, "0 docs  0.0 MB of 50.0 MB (0%)"},
		{"known size", 50e6, 1000, 10e6, 0, 2 * time.Second, "1000 docs  500 docs/s  5.0 MB/s  10.0 MB of 50.0 MB (20%)  8s left"},
		{"done", 50e6, 5000, 50e6, 3, 10 * time.Second, "5000 docs  500 docs/s  5.0 MB/s  50.0 MB of 50.0 MB (100%)  3 failed"},
		{"unknown size", 0, 30, 3e9, 0, 1500 * time.Millisecond, "30 docs  20 docs/s  2000.0 MB/s  3.00 GB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &progress{total: tt.total}
			p.docs.Store(tt.docs)
			p.bytes.Store(tt.bytes)
			p.failed.Store(tt.failed)
			if got := p.line(tt.elapsed); got != tt.want {
				t.Errorf("progress.line(%v) = %q, want %q", tt.elapsed, got, tt.want)
			}
		})
	}
}
