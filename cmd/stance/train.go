package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/claimstance/stance/classifier"
	"github.com/claimstance/stance/models"
)

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	corpusDir := fs.String("corpus", "models/corpus", "corpus folder: train-*.jsonl, test-*.jsonl, articles-*.jsonl")
	out := fs.String("out", "models/stance.model", "model file to write")
	var cfg classifier.TrainConfig
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed (cross-validation folds)")
	fs.Float64Var(&cfg.L2, "l2", 0, "L2 penalty (0: the default, 1e-4)")
	fs.IntVar(&cfg.Folds, "folds", 5, "cross-validation folds, grouped by incident (below 2: no calibration)")
	fs.Float64Var(&cfg.AlsoWeight, "also-weight", 0, "share of the target given to a mixed sentence's second label")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	corpus, err := classifier.LoadCorpus(os.DirFS(*corpusDir))
	if err != nil {
		return err
	}
	tok, err := models.Tokenizer()
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "training on %d sentences (%d held out for test)\n", len(corpus.Train), len(corpus.Test))
	m, err := classifier.TrainCorpus(tok, corpus, cfg)
	if err != nil {
		return err
	}
	meta := m.Metadata()
	if meta.CrossValidation != nil {
		fmt.Fprintf(stdout, "== %d-fold cross-validation on train, grouped by incident (temperature %.2f)\n%s\n", meta.Train.Folds, meta.Temperature, meta.CrossValidation)
	}
	if meta.Test != nil {
		fmt.Fprintf(stdout, "== held-out test split (incidents never seen in training)\n%s\n", meta.Test)
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if _, err := m.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%s)\n", *out, meta.Version)
	return nil
}
