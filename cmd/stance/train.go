package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/claimstance/stance/classifier"
	"github.com/claimstance/stance/models"
)

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	corpusDir := fs.String("corpus", "models/corpus", "corpus folder: train-*.jsonl, test-*.jsonl, articles-*.jsonl")
	out := fs.String("out", "models/stance.model", "model file to write")
	var cfg classifier.TrainConfig
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed (cross-validation folds)")
	fs.Float64Var(&cfg.L2, "l2", 0, "L2 penalty (0: the default, 3e-6)")
	fs.IntVar(&cfg.Folds, "folds", 5, "cross-validation folds, grouped by incident (below 2: no calibration)")
	fs.Float64Var(&cfg.AlsoWeight, "also-weight", 0, "share of the target given to a mixed sentence's second label")
	balance := fs.Bool("balance", true, "weigh each sentence by the inverse frequency of its label (--balance=false: all alike)")
	features := fs.String("features", "words,bigrams,pieces,actors,cues,lead,shape", "comma-separated feature kinds: words, bigrams, trigrams, pieces, actors, cues, lead, shape")
	curve := fs.Bool("learning-curve", false, "print test macro-F1 against the share of training incidents (20%..100%) instead of writing a model")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if cfg.Features, err = parseFeatures(*features); err != nil {
		return err
	}
	cfg.Weighting = classifier.WeightingBalanced
	if !*balance {
		cfg.Weighting = classifier.WeightingNone
	}
	corpus, err := classifier.LoadCorpus(os.DirFS(*corpusDir))
	if err != nil {
		return err
	}
	tok, err := models.Tokenizer()
	if err != nil {
		return err
	}
	if *curve {
		points, err := classifier.LearningCurve(tok, corpus, cfg, []float64{0.2, 0.4, 0.6, 0.8, 1})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%-9s %10s %9s %9s\n", "incidents", "sentences", "test acc", "macro-F1")
		for _, p := range points {
			fmt.Fprintf(stdout, "%8.0f%% %10d %9.3f %9.3f\n", p.Fraction*100, p.Sentences, p.Test.Accuracy, p.Test.MacroF1)
		}
		return nil
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

// parseFeatures turns "words,bigrams" into a feature configuration with
// the default table size and sentence length.
func parseFeatures(list string) (classifier.FeatureConfig, error) {
	cfg := classifier.DefaultFeatureConfig()
	cfg.Words, cfg.Bigrams, cfg.Trigrams, cfg.Pieces, cfg.Actors, cfg.Cues, cfg.Lead, cfg.Shape = false, false, false, false, false, false, false, false
	for _, name := range strings.Split(list, ",") {
		switch strings.TrimSpace(name) {
		case "words":
			cfg.Words = true
		case "bigrams":
			cfg.Bigrams = true
		case "trigrams":
			cfg.Trigrams = true
		case "pieces":
			cfg.Pieces = true
		case "actors":
			cfg.Actors = true
		case "cues":
			cfg.Cues = true
		case "lead":
			cfg.Lead = true
		case "shape":
			cfg.Shape = true
		default:
			return cfg, fmt.Errorf("--features: unknown kind %q (want words, bigrams, trigrams, pieces, actors, cues, lead, shape)", name)
		}
	}
	return cfg, nil
}
