package classifier

import (
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// classifyInputs are varied texts for the invariants of Classify.
var classifyInputs = []struct {
	name string
	text string
}{
	{"sentence", "China's foreign ministry denied the accusations on Tuesday."},
	{"headline", "US, UK sanction Chinese hackers over APT31 campaign"},
	{"three sentences", "Washington indicted seven men. Beijing called it a smear! Was it?"},
	{"quote", "“We firmly oppose groundless smears,” the spokesperson said."},
	{"paragraphs", "The hackers used phishing emails.\n\nThe ministry did not respond to a request for comment.\n"},
	{"leading and trailing space", "  \n\tThe breach exposed voters' data.  \n"},
	{"accents and no-break spaces", "Le ministère a dénoncé «\u00a0l’attaque\u00a0» d’APT31 — café in Zürich."},
	{"CJK", "中国外交部否认了这些指控。美国制裁了两家公司。"},
	{"Hangul", "한국 정부는 북한 해커를 비난했다."},
	{"invalid UTF-8 and NUL", "APT31\xff\xfe hacked\x00 the \xe2\x80 network.\x00"},
	{"only punctuation", "?!... ---"},
	{"only removed characters", "\u200b\u200b\x00"},
	{"one letter", "x"},
	{"long word", strings.Repeat("cyber", 40)},
	{"no punctuation", strings.Repeat("hackers stole data from the ministry ", 30)},
	{"list", "1. The FBI said so.\n2. The NSA agreed.\n- Beijing denied it."},
}

func TestClassifyInvariants(t *testing.T) {
	m, _ := tinyModel(t)
	for _, in := range classifyInputs {
		for _, opts := range []ClassifyOptions{{}, {Whole: true}, {ExplainTopK: 3}} {
			t.Run(in.name, func(t *testing.T) {
				got, err := m.Classify(in.text, opts)
				if err != nil {
					t.Fatalf("Classify(%q, %+v): %v", in.text, opts, err)
				}
				if len(got) == 0 {
					t.Fatalf("Classify(%q, %+v) gave no sentences", in.text, opts)
				}
				if opts.Whole && len(got) != 1 {
					t.Errorf("Classify(%q, Whole) gave %d sentences, want 1", in.text, len(got))
				}
				checkSentences(t, in.text, got)
			})
		}
	}
}

// checkSentences reports broken invariants of Classify's output.
func checkSentences(t *testing.T, text string, got []Sentence) {
	t.Helper()
	prevEnd := 0
	for i, s := range got {
		if s.Start < prevEnd || s.End <= s.Start || s.End > len(text) {
			t.Errorf("Classify(%q): sentence %d span [%d:%d] is empty, out of order (previous ends at %d) or outside [0:%d]",
				text, i, s.Start, s.End, prevEnd, len(text))
		} else {
			prevEnd = s.End
		}
		var sum float64
		for l, p := range s.Probs {
			if !(p >= 0 && p <= 1) {
				t.Errorf("Classify(%q): sentence %d Probs[%v] = %v, want in [0, 1]", text, i, Label(l), p)
			}
			sum += float64(p)
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Errorf("Classify(%q): sentence %d Probs %v sum to %v, want 1 ± 1e-5", text, i, s.Probs, sum)
		}
		for l, p := range s.Probs {
			if p > s.Probs[s.Label] {
				t.Errorf("Classify(%q): sentence %d Label %v (p=%v) but Probs[%v] = %v is larger", text, i, s.Label, s.Probs[s.Label], Label(l), p)
			}
		}
		if int(s.Label) >= NumLabels {
			t.Errorf("Classify(%q): sentence %d Label = %v", text, i, s.Label)
		}
		if got, want := s.Confidence(), s.Probs[s.Label]; got != want {
			t.Errorf("Classify(%q): sentence %d Confidence() = %v, want Probs[%v] = %v", text, i, got, s.Label, want)
		}
	}
}

func TestClassifySentences(t *testing.T) {
	m, _ := tinyModel(t)
	text := "  Washington indicted seven men. Beijing called it a smear!\n\nThe hackers used phishing emails.  "
	want := []string{"Washington indicted seven men.", "Beijing called it a smear!", "The hackers used phishing emails."}
	got, err := m.Classify(text, ClassifyOptions{})
	if err != nil {
		t.Fatalf("Classify: %v", err)
	}
	var texts []string
	for _, s := range got {
		texts = append(texts, text[s.Start:s.End])
	}
	if !slices.Equal(texts, want) {
		t.Errorf("Classify(%q) sentences = %q, want %q", text, texts, want)
	}
	// Each sentence is labeled as if classified alone.
	for i, s := range got {
		alone, err := m.Classify(want[i], ClassifyOptions{Whole: true})
		if err != nil {
			t.Fatal(err)
		}
		if alone[0].Probs != s.Probs {
			t.Errorf("sentence %q: Probs in text %v, alone %v", want[i], s.Probs, alone[0].Probs)
		}
	}

	whole, err := m.Classify(text, ClassifyOptions{Whole: true})
	if err != nil {
		t.Fatalf("Classify(Whole): %v", err)
	}
	if len(whole) != 1 {
		t.Fatalf("Classify(%q, Whole) gave %d sentences, want 1", text, len(whole))
	}
	if got, want := text[whole[0].Start:whole[0].End], strings.TrimSpace(text); got != want {
		t.Errorf("Classify(%q, Whole) span = %q, want %q", text, got, want)
	}
}

// TestClassifyLabels checks that the tiny model, trained on 40 sentences,
// labels its training sentences and a few plain new ones as expected: it
// tests Train, the features and Classify together.
func TestClassifyLabels(t *testing.T) {
	m, _ := tinyModel(t)
	exs := tinyExamples(t)
	if r := Evaluate(m, exs); r.Accuracy < 0.95 {
		t.Errorf("Evaluate(tiny model, its own training sentences).Accuracy = %v, want >= 0.95\n%v", r.Accuracy, r)
	}
	tests := []struct {
		text string
		want Label
	}{
		{"China's foreign ministry denied the accusations on Tuesday.", Denial},
		{"The Treasury Department imposed sanctions on two Russian nationals.", Sanction},
		{"Britain accused Russia's GRU of the cyberattacks.", Accusation},
		{"The ministry did not respond to a request for comment on Friday.", Background},
	}
	for _, tt := range tests {
		got, err := m.Classify(tt.text, ClassifyOptions{Whole: true})
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Label != tt.want {
			t.Errorf("Classify(%q).Label = %v (probs %v), want %v", tt.text, got[0].Label, got[0].Probs, tt.want)
		}
	}
}

func TestClassifyEmpty(t *testing.T) {
	m, _ := tinyModel(t)
	for _, text := range []string{"", "  \n\t", "\u00a0\u3000\u2028", "\r\n\r\n"} {
		for _, opts := range []ClassifyOptions{{}, {Whole: true}} {
			got, err := m.Classify(text, opts)
			if !errors.Is(err, ErrEmptyText) || got != nil {
				t.Errorf("Classify(%q, %+v) = %v, %v; want nil, ErrEmptyText", text, opts, got, err)
			}
		}
		dst := make([]Sentence, 2, 4)
		got, err := m.AppendClassify(dst, text, ClassifyOptions{})
		if !errors.Is(err, ErrEmptyText) || len(got) != 2 {
			t.Errorf("AppendClassify(2 sentences, %q) = %d sentences, %v; want 2, ErrEmptyText", text, len(got), err)
		}
	}
}

func TestClassifyExplain(t *testing.T) {
	m, _ := tinyModel(t)
	text := "China's foreign ministry denied the accusations on Tuesday, calling them “groundless”."
	plain, err := m.Classify(text, ClassifyOptions{Whole: true})
	if err != nil {
		t.Fatal(err)
	}
	if plain[0].Evidence != nil {
		t.Errorf("Classify without ExplainTopK: Evidence = %v, want nil", plain[0].Evidence)
	}
	kinds := []string{"word:", "bigram:", "piece:", "class:", "classbigram:", "classpair:", "lead:", "leadclass:", "shape:"}
	var all []Evidence
	for _, k := range []int{1, 3, 10, MaxExplainTopK, 1000} {
		got, err := m.Classify(text, ClassifyOptions{Whole: true, ExplainTopK: k})
		if err != nil {
			t.Fatalf("Classify(ExplainTopK %d): %v", k, err)
		}
		s := got[0]
		if s.Probs != plain[0].Probs || s.Label != plain[0].Label {
			t.Errorf("ExplainTopK %d: label %v probs %v, without explanation %v %v", k, s.Label, s.Probs, plain[0].Label, plain[0].Probs)
		}
		if len(s.Evidence) == 0 || len(s.Evidence) > min(k, MaxExplainTopK) {
			t.Errorf("ExplainTopK %d: %d evidence features, want 1..%d", k, len(s.Evidence), min(k, MaxExplainTopK))
		}
		for i, e := range s.Evidence {
			if !(e.Contribution > 0) {
				t.Errorf("ExplainTopK %d: evidence %d %q has contribution %v, want > 0", k, i, e.Feature, e.Contribution)
			}
			if i > 0 && e.Contribution > s.Evidence[i-1].Contribution {
				t.Errorf("ExplainTopK %d: evidence %d %q (%v) is larger than evidence %d %q (%v)", k, i, e.Feature, e.Contribution, i-1, s.Evidence[i-1].Feature, s.Evidence[i-1].Contribution)
			}
			if !slices.ContainsFunc(kinds, func(p string) bool { return strings.HasPrefix(e.Feature, p) && len(e.Feature) > len(p) }) {
				t.Errorf("ExplainTopK %d: evidence feature %q, want kind:name with kind one of %q", k, e.Feature, kinds)
			}
		}
		if all != nil && !slices.Equal(s.Evidence, all[:len(s.Evidence)]) {
			t.Errorf("ExplainTopK %d: evidence %v is not the top of the longer list %v", k, s.Evidence, all)
		}
		if all == nil || len(s.Evidence) > len(all) {
			all = s.Evidence
		}
	}
	// The sentence's own words appear among the features.
	if !slices.ContainsFunc(all, func(e Evidence) bool { return e.Feature == "word:denied" }) {
		t.Errorf("evidence for %q (label %v) lacks word:denied: %v", text, plain[0].Label, all)
	}
}

func TestClassifyMaxSentences(t *testing.T) {
	m, _ := tinyModel(t)
	text := "Washington indicted seven men. Beijing called it a smear. The hackers used phishing emails."
	for _, limit := range []int{1, 2} {
		dst := make([]Sentence, 1, 8)
		got, err := m.AppendClassify(dst, text, ClassifyOptions{MaxSentences: limit})
		var tooMany *TooManySentencesError
		if !errors.As(err, &tooMany) {
			t.Fatalf("AppendClassify(3 sentences, MaxSentences %d) error = %v, want *TooManySentencesError", limit, err)
		}
		if tooMany.Sentences != 3 || tooMany.Limit != limit {
			t.Errorf("TooManySentencesError = %+v, want Sentences 3, Limit %d", *tooMany, limit)
		}
		if want := "3 sentences, more than the limit of"; !strings.Contains(err.Error(), want) {
			t.Errorf("error %q, want it to contain %q", err, want)
		}
		if len(got) != 1 {
			t.Errorf("AppendClassify with error returned %d sentences, want the 1 of dst", len(got))
		}
	}
	for _, opts := range []ClassifyOptions{{MaxSentences: 3}, {MaxSentences: 0}, {MaxSentences: 1, Whole: true}} {
		got, err := m.Classify(text, opts)
		if err != nil {
			t.Errorf("Classify(3 sentences, %+v): %v", opts, err)
		}
		if want := map[bool]int{false: 3, true: 1}[opts.Whole]; len(got) != want {
			t.Errorf("Classify(3 sentences, %+v) gave %d sentences, want %d", opts, len(got), want)
		}
	}
}

func TestClassifyTruncated(t *testing.T) {
	m, _ := tinyModel(t)
	var b strings.Builder
	words := []string{"hackers", "stole", "data", "from", "the", "ministry", "and", "officials"}
	for i := 0; b.Len() < 200<<10; i++ {
		b.WriteString(words[i%len(words)])
		b.WriteByte(' ')
	}
	long := b.String()
	for _, opts := range []ClassifyOptions{{Whole: true}, {}} {
		got, err := m.Classify(long, opts)
		if err != nil {
			t.Fatalf("Classify(200 KB, %+v): %v", opts, err)
		}
		if len(got) != 1 {
			t.Fatalf("Classify(200 KB without punctuation, %+v) gave %d sentences, want 1", opts, len(got))
		}
		if !got[0].Truncated {
			t.Errorf("Classify(200 KB, %+v).Truncated = false, want true", opts)
		}
		if got[0].Start != 0 || got[0].End != len(strings.TrimRightFunc(long, unicode.IsSpace)) {
			t.Errorf("Classify(200 KB, %+v) span [%d:%d], want [0:%d]", opts, got[0].Start, got[0].End, len(long)-1)
		}
		checkSentences(t, long, got)
	}
	// Exactly MaxTokens tokens are read whole; one more is truncated.
	maxTokens := m.Metadata().Features.MaxTokens
	for _, tt := range []struct {
		words int
		want  bool
	}{{maxTokens, false}, {maxTokens + 1, true}, {10, false}} {
		text := strings.Repeat("data ", tt.words)
		got, err := m.Classify(text, ClassifyOptions{Whole: true})
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Truncated != tt.want {
			t.Errorf("Classify(%d one-token words).Truncated = %v, want %v", tt.words, got[0].Truncated, tt.want)
		}
	}
}

// TestAppendClassifyAllocs checks the promise of AppendClassify: with a
// reused dst and no explanation it allocates nothing once warm.
func TestAppendClassifyAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's sync.Pool drops items on purpose; run without -race")
	}
	if testing.CoverMode() != "" {
		t.Skip("coverage counters change allocations")
	}
	m, _ := tinyModel(t)
	tests := []struct {
		name string
		text string
		opts ClassifyOptions
	}{
		{"sentence", "China's foreign ministry denied the accusations on Tuesday.", ClassifyOptions{}},
		{"sentence whole", "China's foreign ministry denied the accusations on Tuesday.", ClassifyOptions{Whole: true}},
		{"no final punctuation whole", "US and UK sanction Chinese hackers", ClassifyOptions{Whole: true}},
		{"long words whole", "Internationally coordinated counterintelligence investigations continued", ClassifyOptions{Whole: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := make([]Sentence, 0, 8)
			var err error
			for range 10 { // warm up the word cache and the buffer pool
				dst, err = m.AppendClassify(dst[:0], tt.text, tt.opts)
			}
			if err != nil {
				t.Fatal(err)
			}
			allocs := testing.AllocsPerRun(100, func() {
				dst, _ = m.AppendClassify(dst[:0], tt.text, tt.opts)
			})
			if allocs != 0 {
				t.Errorf("AppendClassify(reused dst, %q, %+v) makes %v allocations per call, want 0", tt.text, tt.opts, allocs)
			}
		})
	}
}

func BenchmarkClassify(b *testing.B) {
	m, _ := tinyModel(b)
	article, err := os.ReadFile("../examples/apt31.txt")
	if err != nil {
		b.Fatal(err)
	}
	for _, bb := range []struct {
		name string
		text string
	}{
		{"sentence", "China's foreign ministry denied the accusations on Tuesday, calling them “groundless”."},
		{"article", string(article)},
	} {
		b.Run(bb.name, func(b *testing.B) {
			dst := make([]Sentence, 0, 64)
			b.ReportAllocs()
			b.SetBytes(int64(len(bb.text)))
			for b.Loop() {
				var err error
				if dst, err = m.AppendClassify(dst[:0], bb.text, ClassifyOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
