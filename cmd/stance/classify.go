package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/claimstance/stance/classifier"
	"github.com/claimstance/stance/client"
	stancev1 "github.com/claimstance/stance/proto/stance/v1"
)

func runClassify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	modelPath := modelFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON Lines, one object per sentence")
	whole := fs.Bool("whole", false, "label the whole input as one sentence")
	addr := fs.String("addr", "", "call the server at this address instead of classifying in-process")
	plaintext := fs.Bool("plaintext", true, "with --addr: connect without TLS")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
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
	sents, err := m.Classify(string(text), classifier.ClassifyOptions{Whole: *whole})
	if err != nil {
		return err
	}
	out := make([]sentenceOut, len(sents))
	for i, s := range sents {
		out[i] = newSentenceOut(string(text), s)
	}
	return writeSentences(stdout, out, *asJSON)
}

// classifyRemote classifies text with the server at addr.
func classifyRemote(ctx context.Context, addr string, plaintext bool, text string, whole bool) ([]sentenceOut, error) {
	var opts []client.Option
	if plaintext {
		opts = append(opts, client.WithInsecure())
	}
	c, err := client.New(addr, opts...)
	if err != nil {
		return nil, err
	}
	defer c.Close()
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
