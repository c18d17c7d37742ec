package main

import (
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
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	m, err := loadModel(*modelPath)
	if err != nil {
		return err
	}
	var examples []classifier.Example
	if fs.NArg() == 0 {
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
	r := classifier.Evaluate(m, examples)
	fmt.Fprintf(stdout, "model %s\n\n%s", m.Metadata().Version, r)
	return nil
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
