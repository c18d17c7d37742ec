package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/claimstance/stance/classifier"
)

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: stance eval [flags] [FILE.jsonl...]\n\nScores a model on labeled sentence files ({\"text\", \"label\"} lines) or article\nfiles (names starting with \"articles\"). Without files: the corpus's test split.")
		fs.PrintDefaults()
	}
	modelPath := modelFlag(fs)
	corpusDir := fs.String("corpus", "models/corpus", "corpus folder whose test split is scored when no file is given")
	htmlOut := fs.String("html", "", "also write a self-contained HTML report to this file")
	worst := fs.Int("worst", 25, "with --html: how many of the most confident mistakes to list")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	m, err := loadModel(*modelPath)
	if err != nil {
		return err
	}
	var examples []classifier.Example
	data := strings.Join(fs.Args(), ", ")
	if fs.NArg() == 0 {
		data = "the test split of " + *corpusDir
		c, err := classifier.LoadCorpus(os.DirFS(*corpusDir))
		if err != nil {
			return err
		}
		examples = c.Test
	}
	for _, name := range fs.Args() {
		exs, err := readLabeled(name)
		if err != nil {
			return err
		}
		examples = append(examples, exs...)
	}
	if len(examples) == 0 {
		return fmt.Errorf("no labeled sentences to score")
	}
	probs := predict(m, examples)
	fmt.Fprintf(stdout, "model %s\n\n%s", m.Metadata().Version, classifier.Score(examples, probs))
	if *htmlOut == "" {
		return nil
	}
	var buf bytes.Buffer
	if err := writeHTMLReport(&buf, newHTMLReport(m.Metadata().Version, data, examples, probs, *worst)); err != nil {
		return err
	}
	return os.WriteFile(*htmlOut, buf.Bytes(), 0o644)
}

// predict labels each example's text as one sentence, as
// classifier.Evaluate does, and returns the probabilities, one row per
// example. A text the model cannot label gets zero probabilities.
func predict(m *classifier.Model, examples []classifier.Example) [][classifier.NumLabels]float32 {
	probs := make([][classifier.NumLabels]float32, len(examples))
	for i, ex := range examples {
		s, err := m.Classify(ex.Text, classifier.ClassifyOptions{Whole: true})
		if err == nil && len(s) == 1 {
			probs[i] = s[0].Probs
		}
	}
	return probs
}

// readLabeled reads a labeled sentence file, or an article file when its
// name starts with "articles".
func readLabeled(name string) ([]classifier.Example, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !strings.HasPrefix(filepath.Base(name), "articles") {
		return classifier.ReadExamples(f, name)
	}
	arts, err := classifier.ReadArticles(f, name)
	if err != nil {
		return nil, err
	}
	var out []classifier.Example
	for _, a := range arts {
		out = append(out, a.Examples(name)...)
	}
	return out, nil
}
