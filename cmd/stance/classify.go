package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"

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
	if *asJSON {
		return writeLocalJSON(stdout, m, string(text), *whole)
	}
	out, err := classifyLocal(m, string(text), *whole)
	if err != nil {
		return err
	}
	return writeSentences(stdout, out, false)
}

// writeLocalJSON classifies text with m and writes one JSON line per
// sentence, without building the sentences twice: the fast path that
// bench/vs-fasttext.sh measures.
func writeLocalJSON(w io.Writer, m *classifier.Model, text string, whole bool) error {
	sents, err := m.Classify(text, classifier.ClassifyOptions{Whole: whole})
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	for _, s := range sents {
		o := newSentenceOut(text, s)
		line = append(o.appendJSON(line[:0]), '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
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
			Confidence: s.GetConfidence(), Truncated: s.GetTruncated()}
		for _, sc := range s.GetScores() {
			if l := int(sc.GetStance()) - 1; l >= 0 && l < classifier.NumLabels {
				o.Scores[l] = sc.GetProbability()
			}
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
	Text       string       `json:"text"`
	Start      int          `json:"start"`
	End        int          `json:"end"`
	Stance     string       `json:"stance"`
	Confidence float32      `json:"confidence"`
	Scores     stanceScores `json:"scores"`
	Truncated  bool         `json:"truncated,omitempty"`
}

func newSentenceOut(text string, s classifier.Sentence) sentenceOut {
	o := sentenceOut{Text: text[s.Start:s.End], Start: s.Start, End: s.End, Stance: s.Label.String(),
		Confidence: s.Confidence(), Scores: stanceScores(s.Probs), Truncated: s.Truncated}
	return o
}

// appendJSON appends the sentence as a JSON object, as encoding/json
// would write it, but without reflection or allocation.
func (o *sentenceOut) appendJSON(b []byte) []byte {
	b = append(b, `{"text":`...)
	b = appendJSONString(b, o.Text)
	b = append(b, `,"start":`...)
	b = strconv.AppendInt(b, int64(o.Start), 10)
	b = append(b, `,"end":`...)
	b = strconv.AppendInt(b, int64(o.End), 10)
	b = append(b, `,"stance":`...)
	b = appendJSONString(b, o.Stance)
	b = append(b, `,"confidence":`...)
	b = strconv.AppendFloat(b, float64(o.Confidence), 'g', -1, 32)
	b = append(b, `,"scores":`...)
	b = o.Scores.appendJSON(b)
	if o.Truncated {
		b = append(b, `,"truncated":true`...)
	}
	return append(b, '}')
}

// stanceScores holds the probability of each stance, indexed by
// classifier.Label; in JSON it is an object keyed by stance name.
type stanceScores [classifier.NumLabels]float32

func (s stanceScores) appendJSON(b []byte) []byte {
	b = append(b, '{')
	for l, p := range s {
		if l > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, classifier.Label(l).String())
		b = append(b, ':')
		b = strconv.AppendFloat(b, float64(p), 'g', -1, 32)
	}
	return append(b, '}')
}

// MarshalJSON writes the scores as {"accusation": p, ...}.
func (s stanceScores) MarshalJSON() ([]byte, error) { return s.appendJSON(nil), nil }

// UnmarshalJSON reads {"accusation": p, ...}, requiring all four stances.
func (s *stanceScores) UnmarshalJSON(data []byte) error {
	var m map[string]float32
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	if len(m) != classifier.NumLabels {
		return fmt.Errorf("scores: %d stances, want %d", len(m), classifier.NumLabels)
	}
	for name, p := range m {
		l, err := classifier.ParseLabel(name)
		if err != nil {
			return err
		}
		s[l] = p
	}
	return nil
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json writes it.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			if r == utf8.RuneError {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			}
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
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
