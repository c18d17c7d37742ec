package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/claimstance/stance/classifier"
	"github.com/claimstance/stance/client"
	stancev1 "github.com/claimstance/stance/proto/stance/v1"
)

func runClassify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: stance classify [flags] [FILE|-]\n       stance classify --jsonl FILE|- [flags]\n\nLabels the sentences of a text (a table, or JSON Lines with --json). With\n--jsonl, reads one document a line ({\"id\": ..., \"text\": ...}) and writes one\nline per document, in input order: {\"id\": ..., \"sentences\": [...]}, or\n{\"id\": ..., \"error\": \"line N: ...\"} for a line that cannot be labeled (such\nas one over 8 MiB); the exit status is 1 if any failed.")
		fs.PrintDefaults()
	}
	modelPath := modelFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON Lines, one object per sentence")
	whole := fs.Bool("whole", false, "label the whole input (with --jsonl: each document) as one sentence")
	addr := fs.String("addr", "", "call the server at this address instead of classifying in-process")
	plaintext := fs.Bool("plaintext", true, "with --addr: connect without TLS")
	jsonl := fs.String("jsonl", "", "classify the documents of this JSON Lines file (- for stdin), one output line each")
	concurrency := fs.Int("concurrency", runtime.NumCPU(), "with --jsonl: documents classified at once (in-process workers, or calls in flight with --addr)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *jsonl != "" {
		if fs.NArg() > 0 {
			fmt.Fprintf(stderr, "stance classify: --jsonl reads %s; unexpected argument %q\n", *jsonl, fs.Arg(0))
			return errUsage
		}
		if *concurrency < 1 {
			fmt.Fprintf(stderr, "stance classify: --concurrency %d: want at least 1\n", *concurrency)
			return errUsage
		}
		return runBulk(ctx, bulkFlags{
			input: *jsonl, modelPath: *modelPath, addr: *addr, plaintext: *plaintext,
			whole: *whole, concurrency: *concurrency,
		}, stdout, stderr)
	}
	text, err := readInput(fs.Arg(0))
	if err != nil {
		return err
	}
	if *addr != "" {
		out, err := classifyRemote(ctx, *addr, *plaintext, string(text), *whole)
		if err != nil {
			return err
		}
		return writeSentences(stdout, out, *asJSON)
	}
	m, err := loadModel(*modelPath)
	if err != nil {
		return err
	}
	out, err := classifyLocal(m, string(text), *whole)
	if err != nil {
		return err
	}
	return writeSentences(stdout, out, *asJSON)
}

// classifyLocal classifies text with m.
func classifyLocal(m *classifier.Model, text string, whole bool) ([]sentenceOut, error) {
	sents, err := m.Classify(text, classifier.ClassifyOptions{Whole: whole})
	if err != nil {
		return nil, err
	}
	out := make([]sentenceOut, len(sents))
	for i, s := range sents {
		out[i] = newSentenceOut(text, s)
	}
	return out, nil
}

// newClient returns a client for the server at addr, without TLS when
// plaintext.
func newClient(addr string, plaintext bool) (*client.Client, error) {
	var opts []client.Option
	if plaintext {
		opts = append(opts, client.WithInsecure())
	}
	return client.New(addr, opts...)
}

// classifyRemote classifies text with the server at addr.
func classifyRemote(ctx context.Context, addr string, plaintext bool, text string, whole bool) ([]sentenceOut, error) {
	c, err := newClient(addr, plaintext)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return classifyWith(ctx, c, text, whole)
}

// classifyWith classifies text with the server c calls.
func classifyWith(ctx context.Context, c *client.Client, text string, whole bool) ([]sentenceOut, error) {
	var copts []client.ClassifyOption
	if whole {
		copts = append(copts, client.Whole())
	}
	resp, err := c.Classify(ctx, text, copts...)
	if err != nil {
		return nil, err
	}
	out := make([]sentenceOut, len(resp.GetSentences()))
	for i, s := range resp.GetSentences() {
		o := sentenceOut{Text: s.GetText(), Start: int(s.GetStart()), End: int(s.GetEnd()), Stance: stanceName(s.GetStance()),
			Confidence: s.GetConfidence(), Scores: map[string]float32{}, Truncated: s.GetTruncated()}
		for _, sc := range s.GetScores() {
			o.Scores[stanceName(sc.GetStance())] = sc.GetProbability()
		}
		out[i] = o
	}
	return out, nil
}

// stanceName turns STANCE_DENIAL into "denial".
func stanceName(s stancev1.Stance) string {
	return strings.ToLower(strings.TrimPrefix(s.String(), "STANCE_"))
}

// sentenceOut is one labeled sentence as the CLI prints it.
type sentenceOut struct {
	Text       string             `json:"text"`
	Start      int                `json:"start"`
	End        int                `json:"end"`
	Stance     string             `json:"stance"`
	Confidence float32            `json:"confidence"`
	Scores     map[string]float32 `json:"scores"`
	Truncated  bool               `json:"truncated,omitempty"`
}

func newSentenceOut(text string, s classifier.Sentence) sentenceOut {
	o := sentenceOut{Text: text[s.Start:s.End], Start: s.Start, End: s.End, Stance: s.Label.String(),
		Confidence: s.Confidence(), Scores: map[string]float32{}, Truncated: s.Truncated}
	for l, p := range s.Probs {
		o.Scores[classifier.Label(l).String()] = p
	}
	return o
}

func writeSentences(w io.Writer, sents []sentenceOut, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for _, s := range sents {
			if err := enc.Encode(s); err != nil {
				return err
			}
		}
		return nil
	}
	fmt.Fprintf(w, "%-3s %-11s %5s  %s\n", "#", "stance", "conf", "sentence")
	for i, s := range sents {
		text := strings.Join(strings.Fields(s.Text), " ")
		if r := []rune(text); len(r) > 90 {
			text = string(r[:89]) + "…"
		}
		fmt.Fprintf(w, "%-3d %-11s %5.2f  %s\n", i+1, s.Stance, s.Confidence, text)
	}
	return nil
}
