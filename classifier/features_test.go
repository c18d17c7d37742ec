package classifier

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// featureNames returns the readable names of sentence's features.
func featureNames(t *testing.T, cfg FeatureConfig, sentence string) []string {
	t.Helper()
	f := newFeaturizer(cfg, testTokenizer(t))
	var sf sentenceFeatures
	f.featurize(sentence, &sf, true)
	if len(sf.names) != len(sf.hashes) {
		t.Fatalf("%d names for %d features", len(sf.names), len(sf.hashes))
	}
	return sf.names
}

func TestFeaturizeCuesAndLead(t *testing.T) {
	plain := FeatureConfig{HashBits: 16, Words: true, Actors: true, MaxTokens: 64}
	cues := plain
	cues.Cues = true
	lead := cues
	lead.Lead = true
	tests := []struct {
		name       string
		cfg        FeatureConfig
		sentence   string
		want       []string
		wantNotAny []string
	}{
		{
			name:       "cue classes off",
			cfg:        plain,
			sentence:   "China approved the extradition of the suspect.",
			want:       []string{"word:extradition", "class:STATE"},
			wantNotAny: []string{"class:MEASURE", "class:ATTRIBUTION", "classpair:STATE|MEASURE"},
		},
		{
			name:       "a rare measure word shares the class of common ones",
			cfg:        cues,
			sentence:   "China approved the extradition of the suspect.",
			want:       []string{"word:extradition", "class:MEASURE", "class:ATTRIBUTION", "classpair:STATE|MEASURE", "classpair:MEASURE|ATTRIBUTION"},
			wantNotAny: []string{"lead:china"},
		},
		{
			name:     "two-word cue",
			cfg:      cues,
			sentence: "The firm was added to the entity list.",
			want:     []string{"class:MEASURE", "classbigram:MEASURE|.", "class:REPORT"},
		},
		{
			name:       "dismissal and negation without actors",
			cfg:        cues,
			sentence:   "That is groundless, and we did not do it.",
			want:       []string{"class:DISMISSAL", "class:NEGATION", "classpair:DISMISSAL|NEGATION"},
			wantNotAny: []string{"class:STATE"},
		},
		{
			name:       "actor classes off, cues on",
			cfg:        FeatureConfig{HashBits: 16, Words: true, Cues: true, MaxTokens: 64},
			sentence:   "China denied hacking the ministry.",
			want:       []string{"class:DISMISSAL", "class:ATTACK"},
			wantNotAny: []string{"class:STATE", "classpair:STATE|DISMISSAL"},
		},
		{
			name:       "lead marks only the first words",
			cfg:        lead,
			sentence:   "Prosecutors charged seven men on Monday, while London accused APT31 of the hack.",
			want:       []string{"lead:prosecutors", "lead:charged", "leadclass:MEASURE", "lead:seven", "word:accused"},
			wantNotAny: []string{"lead:men", "lead:accused", "leadclass:ATTRIBUTION", "lead:london"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names := featureNames(t, tt.cfg, tt.sentence)
			for _, w := range tt.want {
				if !slices.Contains(names, w) {
					t.Errorf("missing %q in %q", w, names)
				}
			}
			for _, w := range tt.wantNotAny {
				if slices.Contains(names, w) {
					t.Errorf("unexpected %q in %q", w, names)
				}
			}
		})
	}
}

// Every actor name and cue word must be words the tokenizer keeps whole,
// or the table entry can never match, and belong to one class only.
func TestClassTableWords(t *testing.T) {
	tok := testTokenizer(t)
	if got, want := len(classWords()), int(numClasses)-1; got != want {
		t.Errorf("classWords has %d classes, want %d: an actor and a cue class share a key", got, want)
	}
	seen := make(map[string]uint8)
	for class, words := range classWords() {
		for _, name := range strings.Fields(words) {
			if other, dup := seen[name]; dup {
				t.Errorf("%q is in both %s and %s", name, actorClassNames[other], actorClassNames[class])
			}
			seen[name] = class
			for _, part := range strings.Split(name, "_") {
				var got []string
				tok.eachWord(part, func(w *word, _ int) bool {
					got = append(got, w.norm)
					return true
				})
				if len(got) != 1 || got[0] != part {
					t.Errorf("%s: cue %q reads as %q", actorClassNames[class], part, got)
				}
			}
		}
	}
}

func TestExampleWeights(t *testing.T) {
	labels := []Label{Accusation, Accusation, Accusation, Denial, Sanction, Sanction, Background, Background}
	examples := make([]Example, len(labels))
	for i, l := range labels {
		examples[i] = Example{Text: "x", Label: l}
	}
	for _, w := range exampleWeights(examples, false) {
		if w != 1 {
			t.Fatalf("unbalanced weight %v, want 1", w)
		}
	}
	var perLabel [NumLabels]float64
	var total float64
	for i, w := range exampleWeights(examples, true) {
		perLabel[examples[i].Label] += w
		total += w
	}
	for l, sum := range perLabel {
		if math.Abs(sum-2) > 1e-12 {
			t.Errorf("label %v weighs %v in all, want 2 (each label alike)", Label(l), sum)
		}
	}
	if math.Abs(total-float64(len(examples))) > 1e-12 {
		t.Errorf("weights sum to %v, want %d (mean 1)", total, len(examples))
	}
}
