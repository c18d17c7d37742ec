package models_test

import (
	"os"
	"testing"

	"github.com/claimstance/stance/classifier"
	"github.com/claimstance/stance/models"
)

// BenchmarkDefaultModel runs segment + tokenize + features + predict with
// the embedded model: one average corpus-length sentence, and the example
// article. Reported allocations are per call (per sentence for the first).
func BenchmarkDefaultModel(b *testing.B) {
	m, err := models.Default()
	if err != nil {
		b.Fatal(err)
	}
	article, err := os.ReadFile("../examples/apt31.txt")
	if err != nil {
		b.Fatal(err)
	}
	for _, bb := range []struct{ name, text string }{
		{"sentence", "US prosecutors charged seven Chinese nationals on Monday with hacking critics of Beijing, the Justice Department said."},
		{"article", string(article)},
	} {
		b.Run(bb.name, func(b *testing.B) {
			dst := make([]classifier.Sentence, 0, 64)
			b.ReportAllocs()
			b.SetBytes(int64(len(bb.text)))
			for b.Loop() {
				if dst, err = m.AppendClassify(dst[:0], bb.text, classifier.ClassifyOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
