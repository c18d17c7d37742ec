// Regression tests for bugs found by review, now fixed.
package classifier

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
)

// Load checks every weight for NaN and ±Inf but not the bias, so a file
// with a NaN bias loads and every Classify returns NaN probabilities.
// modelfile.go, the bias loop at the end of Load.
func TestLoadRejectsNonFiniteBias(t *testing.T) {
	tok := testTokenizer(t)
	_, file := tinyModel(t)
	l := layoutOf(t, file)
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		data := resign(putUint32(file, l.biasStart+4, math.Float32bits(float32(v))))
		m, err := Load(data, tok)
		if !errors.Is(err, ErrCorrupt) {
			var probs any
			if m != nil {
				s, _ := m.Classify("The ministry denied it.", ClassifyOptions{})
				probs = s[0].Probs
			}
			t.Errorf("Load(bias %v) error = %v, want ErrCorrupt (the loaded model gives probabilities %v)", v, err, probs)
		}
	}
}

// strictUnmarshal decodes the first JSON value of a line and ignores the
// rest, so a line holding two objects (a lost newline) silently drops the
// second sentence. corpus.go, strictUnmarshal.
func TestReadExamplesRejectsTrailingData(t *testing.T) {
	for _, line := range []string{
		`{"text": "One.", "label": "denial", "incident": "i"}{"text": "Two.", "label": "sanction", "incident": "i"}`,
		`{"text": "One.", "label": "denial", "incident": "i"} trailing`,
		`{"text": "One.", "label": "denial", "incident": "i"}}`,
	} {
		exs, err := ReadExamples(strings.NewReader(line), "x.jsonl")
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Line != 1 {
			t.Errorf("ReadExamples(%q) = %d examples, error %v; want a *ParseError at x.jsonl:1", line, len(exs), err)
		}
	}
}

// A file cut inside the 8-byte magic is reported as not a model file,
// though it is a truncated one. modelfile.go, the first check of Load.
func TestLoadTruncatedInMagic(t *testing.T) {
	tok := testTokenizer(t)
	_, file := tinyModel(t)
	for n := 1; n < len(fileMagic); n++ {
		if _, err := Load(bytes.Clone(file[:n]), tok); !errors.Is(err, ErrTruncated) {
			t.Errorf("Load(first %d bytes of a model file) error = %v, want ErrTruncated", n, err)
		}
	}
}
