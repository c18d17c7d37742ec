package models_test

import (
	"errors"
	"testing"

	"github.com/claimstance/stance/classifier"
	"github.com/claimstance/stance/models"
)

func defaultModel(t *testing.T) *classifier.Model {
	t.Helper()
	m, err := models.Default()
	if err != nil {
		t.Fatalf("models.Default: %v", err)
	}
	return m
}

func TestDefaultModelMetadata(t *testing.T) {
	meta := defaultModel(t).Metadata()
	if meta.Test == nil || meta.CrossValidation == nil {
		t.Fatalf("default model carries no test or cross-validation figures: %+v", meta)
	}
	t.Logf("default model %s: test macro-F1 %.3f, ECE %.3f; CV macro-F1 %.3f", meta.Version, meta.Test.MacroF1, meta.Test.ECE, meta.CrossValidation.MacroF1)
	if meta.CorpusSentences < 1000 {
		t.Errorf("default model trained on %d sentences, want at least 1000", meta.CorpusSentences)
	}
}

func TestDefaultModelRefusesOtherTokenizer(t *testing.T) {
	json := append([]byte{}, models.TokenizerJSON()...)
	json = append(json, ' ') // same vocabulary, other bytes: another identity
	tok, err := classifier.NewTokenizer(json)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.LoadFile(models.DefaultModelFile(), tok); !errors.Is(err, classifier.ErrTokenizerMismatch) {
		t.Errorf("loading the default model with another tokenizer: %v, want ErrTokenizerMismatch", err)
	}
}
