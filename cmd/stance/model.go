package main

import (
	"flag"
	"os"

	"github.com/claimstance/stance/classifier"
	"github.com/claimstance/stance/models"
)

// modelFlag registers --model on fs.
func modelFlag(fs *flag.FlagSet) *string {
	return fs.String("model", "", "model file to use (default: the embedded default model)")
}

// loadModel loads the model file at path, or the embedded default model
// when path is empty.
func loadModel(path string) (*classifier.Model, error) {
	if path == "" {
		return models.Default()
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	tok, err := models.Tokenizer()
	if err != nil {
		return nil, err
	}
	return models.LoadFile(data, tok)
}
