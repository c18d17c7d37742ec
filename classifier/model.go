package classifier

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/claimstance/stance/classifier/segment"
)

// Label is the stance a sentence takes.
type Label uint8

// The four labels of the labeling guide, in the model's internal order.
const (
	Accusation Label = iota
	Denial
	Sanction
	Background
)

// NumLabels is the number of labels.
const NumLabels = 4

var labelNames = [NumLabels]string{"accusation", "denial", "sanction", "background"}

// String returns the label's name as the corpus writes it: "accusation",
// "denial", "sanction" or "background".
func (l Label) String() string {
	if int(l) < NumLabels {
		return labelNames[l]
	}
	return fmt.Sprintf("Label(%d)", l)
}

// ParseLabel returns the label with the given corpus name.
func ParseLabel(name string) (Label, error) {
	for i, n := range labelNames {
		if n == name {
			return Label(i), nil
		}
	}
	return 0, fmt.Errorf("classifier: unknown label %q (want one of %s)", name, strings.Join(labelNames[:], ", "))
}

// ErrEmptyText is returned for text that holds nothing but whitespace.
var ErrEmptyText = errors.New("classifier: text is empty or blank")

// MaxExplainTopK is the most evidence features a sentence can carry.
const MaxExplainTopK = 50

// Sentence is one labeled sentence of a text.
type Sentence struct {
	// Start and End are UTF-8 byte offsets into the text, End exclusive.
	Start, End int
	// Label is the most probable label.
	Label Label
	// Probs holds the probability of each label, indexed by Label; they sum to 1.
	Probs [NumLabels]float32
	// Truncated reports whether the sentence was longer than the model
	// reads (Metadata.Features.MaxTokens tokens); only its start was scored.
	Truncated bool
	// Evidence lists the features that pushed most toward Label, largest
	// first, when ClassifyOptions.ExplainTopK is above zero.
	Evidence []Evidence
}

// Confidence returns the probability of the chosen label.
func (s Sentence) Confidence() float32 { return s.Probs[s.Label] }

// Evidence is one feature and its contribution to the chosen label: its
// weight for that label minus the mean of its weights for the others, times
// its value, in logits.
type Evidence struct {
	Feature      string
	Contribution float32
}

// ClassifyOptions adjusts Classify. The zero value splits the text into
// sentences and explains nothing.
type ClassifyOptions struct {
	// Whole labels the whole text as one sentence instead of splitting it.
	Whole bool
	// ExplainTopK, when above zero, asks for up to that many evidence
	// features per sentence (at most MaxExplainTopK).
	ExplainTopK int
	// MaxSentences, when above zero, is the most sentences a text may
	// split into; beyond it Classify returns a *TooManySentencesError and
	// labels nothing.
	MaxSentences int
}

// TooManySentencesError reports a text with more sentences than
// ClassifyOptions.MaxSentences allows.
type TooManySentencesError struct {
	Sentences, Limit int
}

func (e *TooManySentencesError) Error() string {
	return fmt.Sprintf("classifier: text has %d sentences, more than the limit of %d", e.Sentences, e.Limit)
}

// Model is a trained stance classifier: a multinomial logistic regression
// over hashed features of WordPiece tokens. A Model is immutable and safe
// for concurrent use.
type Model struct {
	meta    Metadata
	tok     *Tokenizer
	feat    *featurizer
	weights []float32 // slot*NumLabels + label
	bias    [NumLabels]float32
	invTemp float32   // 1/Metadata.Temperature
	buffers sync.Pool // *sentenceFeatures
	spans   sync.Pool // *[]segment.Span
}

func newModel(meta Metadata, tok *Tokenizer, weights []float32, bias [NumLabels]float32) *Model {
	m := &Model{
		meta:    meta,
		tok:     tok,
		feat:    newFeaturizer(meta.Features, tok),
		weights: weights,
		bias:    bias,
		invTemp: float32(1 / meta.Temperature),
	}
	m.buffers.New = func() any { return &sentenceFeatures{hashes: make([]uint64, 0, 256)} }
	m.spans.New = func() any { s := make([]segment.Span, 0, 64); return &s }
	return m
}

// Metadata returns what the model file says about the model.
func (m *Model) Metadata() Metadata { return m.meta }

// Tokenizer returns the tokenizer the model reads with.
func (m *Model) Tokenizer() *Tokenizer { return m.tok }

// Classify splits text into sentences (unless opts.Whole) and labels each.
// It returns ErrEmptyText if text holds only whitespace.
func (m *Model) Classify(text string, opts ClassifyOptions) ([]Sentence, error) {
	return m.AppendClassify(nil, text, opts)
}

// AppendClassify is Classify appending to dst. With a reused dst and no
// explanation it allocates nothing once the model's buffers are warm.
func (m *Model) AppendClassify(dst []Sentence, text string, opts ClassifyOptions) ([]Sentence, error) {
	if strings.TrimSpace(text) == "" {
		return dst, ErrEmptyText
	}
	if opts.Whole {
		start, end := trimSpan(text)
		return append(dst, m.classifySpan(text, start, end, opts.ExplainTopK)), nil
	}
	n := len(dst)
	spans := m.spans.Get().(*[]segment.Span)
	defer m.spans.Put(spans)
	*spans = segment.AppendSpans((*spans)[:0], text)
	if opts.MaxSentences > 0 && len(*spans) > opts.MaxSentences {
		return dst, &TooManySentencesError{Sentences: len(*spans), Limit: opts.MaxSentences}
	}
	for _, sp := range *spans {
		dst = append(dst, m.classifySpan(text, sp.Start, sp.End, opts.ExplainTopK))
	}
	if len(dst) == n { // only characters the segmenter drops
		start, end := trimSpan(text)
		dst = append(dst, m.classifySpan(text, start, end, opts.ExplainTopK))
	}
	return dst, nil
}

func trimSpan(text string) (int, int) {
	start := len(text) - len(strings.TrimLeftFunc(text, isSpaceRune))
	end := len(strings.TrimRightFunc(text, isSpaceRune))
	if end < start {
		end = start
	}
	return start, end
}

func isSpaceRune(r rune) bool { return charClass(r, 2) == charSpace }

// classifySpan labels text[start:end].
func (m *Model) classifySpan(text string, start, end, explainTopK int) Sentence {
	sf := m.buffers.Get().(*sentenceFeatures)
	sf.reset()
	explain := explainTopK > 0
	m.feat.featurize(text[start:end], sf, explain)
	logits := m.logits(sf)
	s := Sentence{Start: start, End: end, Truncated: sf.truncated}
	s.Probs = softmax(logits, m.invTemp)
	for l := range s.Probs {
		if s.Probs[l] > s.Probs[s.Label] {
			s.Label = Label(l)
		}
	}
	if explain {
		s.Evidence = m.evidence(sf, s.Label, min(explainTopK, MaxExplainTopK))
	}
	m.buffers.Put(sf)
	return s
}

// logits scores the features for each label.
func (m *Model) logits(sf *sentenceFeatures) [NumLabels]float32 {
	var sum [NumLabels]float32
	mask := uint64(1)<<m.meta.Features.HashBits - 1
	for _, h := range sf.hashes {
		w := m.weights[(h&mask)*NumLabels:][:NumLabels:NumLabels]
		sum[0] += w[0]
		sum[1] += w[1]
		sum[2] += w[2]
		sum[3] += w[3]
	}
	scale := featureScale(len(sf.hashes))
	for l := range sum {
		sum[l] = m.bias[l] + scale*sum[l]
	}
	return sum
}

// softmax turns logits divided by the temperature into probabilities.
func softmax(logits [NumLabels]float32, invTemp float32) [NumLabels]float32 {
	maxLogit := logits[0]
	for _, v := range logits[1:] {
		maxLogit = max(maxLogit, v)
	}
	var p [NumLabels]float32
	var total float64
	for l, v := range logits {
		e := math.Exp(float64((v - maxLogit) * invTemp))
		p[l] = float32(e)
		total += e
	}
	for l := range p {
		p[l] = float32(float64(p[l]) / total)
	}
	return p
}

// evidence returns the k features that pushed most toward label.
func (m *Model) evidence(sf *sentenceFeatures, label Label, k int) []Evidence {
	mask := uint64(1)<<m.meta.Features.HashBits - 1
	scale := featureScale(len(sf.hashes))
	byName := make(map[string]float32, len(sf.hashes))
	for i, h := range sf.hashes {
		w := m.weights[(h&mask)*NumLabels:][:NumLabels]
		var others float32
		for l := range NumLabels {
			if Label(l) != label {
				others += w[l]
			}
		}
		byName[sf.names[i]] += scale * (w[label] - others/(NumLabels-1))
	}
	ev := make([]Evidence, 0, len(byName))
	for name, c := range byName {
		if c > 0 {
			ev = append(ev, Evidence{Feature: name, Contribution: c})
		}
	}
	slices.SortFunc(ev, func(a, b Evidence) int {
		if a.Contribution != b.Contribution {
			if a.Contribution > b.Contribution {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Feature, b.Feature)
	})
	if len(ev) > k {
		ev = ev[:k]
	}
	return ev
}
