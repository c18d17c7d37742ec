// Package models ships the default Stance model and its tokenizer inside
// the binary.
//
// The model file is trained from the corpus in corpus/ by
//
//	go run ./cmd/stance train
//
// and README.md (the model card) gives its figures.
package models

import (
	_ "embed"
	"fmt"

	"github.com/claimstance/stance/classifier"
)

//go:embed tokenizer.json
var tokenizerJSON []byte

//go:embed stance.model
var defaultModel []byte

// TokenizerJSON returns the embedded Hugging Face tokenizer.json: BERT
// uncased normalization and pre-tokenization with the bert-base-uncased
// WordPiece vocabulary.
func TokenizerJSON() []byte { return tokenizerJSON }

// DefaultModelFile returns the bytes of the embedded default model file.
func DefaultModelFile() []byte { return defaultModel }

// Tokenizer loads the embedded tokenizer.
func Tokenizer() (*classifier.Tokenizer, error) {
	return classifier.NewTokenizer(tokenizerJSON)
}

// Default loads the embedded default model with the embedded tokenizer.
func Default() (*classifier.Model, error) {
	tok, err := Tokenizer()
	if err != nil {
		return nil, err
	}
	return LoadFile(defaultModel, tok)
}

// LoadFile loads model file bytes with tok, naming the failure.
func LoadFile(data []byte, tok *classifier.Tokenizer) (*classifier.Model, error) {
	m, err := classifier.Load(data, tok)
	if err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	return m, nil
}
