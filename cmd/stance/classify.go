package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/claimstance/stance/classifier"
)

func runClassify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	modelPath := modelFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON Lines, one object per sentence")
	whole := fs.Bool("whole", false, "label the whole input as one sentence")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	text, err := readInput(fs.Arg(0))
	if err != nil {
		return err
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
