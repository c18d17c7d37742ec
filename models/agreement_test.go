package models_test

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/claimstance/stance/classifier"
)

// readJSONLines decodes every line of a JSON Lines file into a new T.
func readJSONLines[T any](t *testing.T, name string) []T {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAnnotatorAgreement scores two annotators, who labeled a random
// sample of 400 test-split sentences from the labeling guide alone without
// seeing the corpus labels, against the corpus labels and against each
// other. The answers are fixed files, so the test guards the corpus: it
// fails when test-split labels drift far from how careful readers of the
// guide label, or when the sample no longer matches the test split. Run
// with -v to print the figures the model card reports.
func TestAnnotatorAgreement(t *testing.T) {
	c, _ := loadCorpus(t)
	gold := map[string]classifier.Example{}
	for _, ex := range c.Test {
		gold[ex.Text] = ex
	}
	type item struct {
		ID   int    `json:"id"`
		Text string `json:"text"`
	}
	type answer struct {
		ID    int    `json:"id"`
		Label string `json:"label"`
	}
	sample := readJSONLines[item](t, "agreement/sample.jsonl")
	examples := make([]classifier.Example, len(sample))
	for i, it := range sample {
		ex, ok := gold[it.Text]
		if !ok {
			t.Fatalf("sample item %d is not a test-split sentence: %q", it.ID, it.Text)
		}
		examples[i] = ex
	}
	answers := map[string][][classifier.NumLabels]float32{}
	for _, name := range []string{"annotator-a", "annotator-b"} {
		rows := readJSONLines[answer](t, "agreement/"+name+".jsonl")
		if len(rows) != len(sample) {
			t.Fatalf("%s: %d answers for %d items", name, len(rows), len(sample))
		}
		probs := make([][classifier.NumLabels]float32, len(sample))
		for i, row := range rows {
			if row.ID != sample[i].ID {
				t.Fatalf("%s: answer %d is for item %d, want %d", name, i, row.ID, sample[i].ID)
			}
			l, err := classifier.ParseLabel(row.Label)
			if err != nil {
				t.Fatalf("%s: item %d: %v", name, row.ID, err)
			}
			probs[i][l] = 1
		}
		answers[name] = probs
		r := classifier.Score(examples, probs)
		t.Logf("%s against the corpus labels: macro-F1 %.3f, accuracy %.3f, lenient accuracy %.3f", name, r.MacroF1, r.Accuracy, r.LenientAccuracy)
		// Two careful annotators who read only the guide agree with the
		// corpus on nine sentences in ten; far less means the corpus
		// labels drifted from the guide.
		if r.MacroF1 < 0.85 {
			t.Errorf("%s agrees with the corpus labels at macro-F1 %.3f, want at least 0.85", name, r.MacroF1)
		}
	}
	// The annotators against each other: annotator A's labels as gold.
	between := make([]classifier.Example, len(sample))
	for i, p := range answers["annotator-a"] {
		for l, v := range p {
			if v == 1 {
				between[i] = classifier.Example{Text: sample[i].Text, Label: classifier.Label(l)}
			}
		}
	}
	r := classifier.Score(between, answers["annotator-b"])
	t.Logf("annotator-b against annotator-a: macro-F1 %.3f, accuracy %.3f", r.MacroF1, r.Accuracy)
	if r.MacroF1 < 0.9 {
		t.Errorf("the annotators agree at macro-F1 %.3f, want at least 0.9: are the answer files intact?", r.MacroF1)
	}
}
