package models_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode"

	"github.com/claimstance/stance/classifier"
)

type incident struct {
	ID       string   `json:"id"`
	Split    string   `json:"split"`
	Accused  []string `json:"accused"`
	Accusers []string `json:"accusers"`
}

func loadCorpus(t *testing.T) (*classifier.Corpus, map[string]incident) {
	t.Helper()
	c, err := classifier.LoadCorpus(os.DirFS("corpus"))
	if err != nil {
		t.Fatalf("LoadCorpus: %v", err)
	}
	data, err := os.ReadFile("corpus/incidents.json")
	if err != nil {
		t.Fatal(err)
	}
	var list []incident
	if err := json.Unmarshal(data, &list); err != nil {
		t.Fatalf("incidents.json: %v", err)
	}
	byID := map[string]incident{}
	for _, inc := range list {
		if _, dup := byID[inc.ID]; dup {
			t.Errorf("incidents.json lists %q twice", inc.ID)
		}
		byID[inc.ID] = inc
	}
	return c, byID
}

// normalize keeps letters and digits, lower-cased, so that sentences that
// differ only in case, punctuation or spacing compare equal.
func normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestCorpusSize(t *testing.T) {
	c, _ := loadCorpus(t)
	all := append(append([]classifier.Example{}, c.Train...), c.Test...)
	var perLabel [classifier.NumLabels]int
	for _, ex := range all {
		perLabel[ex.Label]++
	}
	t.Logf("corpus: %d sentences (%d train, %d test); per label %v; %d+%d articles",
		len(all), len(c.Train), len(c.Test), perLabel, len(c.TrainArticles), len(c.TestArticles))
	if len(all) < 6000 {
		t.Errorf("corpus has %d sentences, want at least 6000", len(all))
	}
	for l, n := range perLabel {
		if n < 1000 {
			t.Errorf("corpus has %d %s sentences, want at least 1000", n, classifier.Label(l))
		}
	}
	arts := append(append([]classifier.Article{}, c.TrainArticles...), c.TestArticles...)
	if len(arts) < 60 {
		t.Errorf("corpus has %d articles, want at least 60", len(arts))
	}
	for _, a := range arts {
		n := 0
		for _, p := range a.Paragraphs {
			n += len(p)
		}
		if n < 10 || n > 30 {
			t.Errorf("article %s has %d sentences, want 10 to 30", a.ID, n)
		}
	}
}

func TestCorpusHasNoNearDuplicates(t *testing.T) {
	c, _ := loadCorpus(t)
	seen := map[string]string{}
	for _, ex := range append(append([]classifier.Example{}, c.Train...), c.Test...) {
		key := normalize(ex.Text)
		if first, dup := seen[key]; dup {
			t.Errorf("near-duplicate sentences: %s and %s: %q", first, ex.Source, ex.Text)
			continue
		}
		seen[key] = ex.Source
	}
}

func TestCorpusSplitIsByIncident(t *testing.T) {
	c, incidents := loadCorpus(t)
	used := map[string]bool{}
	check := func(exs []classifier.Example, split string) {
		for _, ex := range exs {
			inc, ok := incidents[ex.Incident]
			switch {
			case !ok:
				t.Errorf("%s: incident %q is not in incidents.json", ex.Source, ex.Incident)
			case inc.Split != split:
				t.Errorf("%s: incident %q belongs to the %s split, but the sentence is in %s", ex.Source, ex.Incident, inc.Split, split)
			}
			used[ex.Incident] = true
		}
	}
	check(c.Train, "train")
	check(c.Test, "test")
	accused, accusers := map[string]bool{}, map[string]bool{}
	for id, inc := range incidents {
		if !used[id] {
			t.Errorf("incident %q has no sentences", id)
		}
		for _, a := range inc.Accused {
			accused[a] = true
		}
		for _, a := range inc.Accusers {
			accusers[a] = true
		}
	}
	t.Logf("%d incidents, %d accused states or groups, %d accusers", len(used), len(accused), len(accusers))
	if len(used) < 40 || len(accused) < 8 || len(accusers) < 15 {
		t.Errorf("corpus covers %d incidents, %d accused, %d accusers; want at least 40, 8 and 15", len(used), len(accused), len(accusers))
	}
}

// Articles must come back sentence for sentence from the segmenter when
// their running text is split, so that they test segmentation too.
func TestArticlesSegmentBack(t *testing.T) {
	c, _ := loadCorpus(t)
	m := defaultModel(t)
	bad := 0
	arts := append(append([]classifier.Article{}, c.TrainArticles...), c.TestArticles...)
	for _, a := range arts {
		text := a.Text()
		sents, err := m.Classify(text, classifier.ClassifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, p := range a.Paragraphs {
			for _, s := range p {
				want = append(want, strings.TrimSpace(s.Text))
			}
		}
		var got []string
		for _, s := range sents {
			got = append(got, text[s.Start:s.End])
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			bad++
			t.Errorf("article %s: segmenter gives %d sentences, the article has %d; first difference: %s", a.ID, len(got), len(want), firstDiff(got, want))
		}
	}
	t.Logf("%d of %d articles segment back exactly", len(arts)-bad, len(arts))
}

func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return "got " + quote(got[i]) + ", want " + quote(want[i])
		}
	}
	return "one list is a prefix of the other"
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }
