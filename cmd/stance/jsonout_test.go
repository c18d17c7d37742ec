package main

import (
	"encoding/json"
	"testing"
)

// appendJSON must write what encoding/json would, for any text.
func TestSentenceAppendJSONMatchesEncodingJSON(t *testing.T) {
	texts := []string{
		"Plain.", `He said "no" \ twice.`, "tab\there\nnew line\r", "\x00\x01\x1f", "café “quoted” 中文",
		"bad \xff byte", "line\u2028sep\u2029", "<b>&amp;</b>",
	}
	for _, text := range texts {
		o := sentenceOut{Text: text, Start: 3, End: 99, Stance: "denial", Confidence: 0.87654321,
			Scores: stanceScores{0.1, 0.87654321, 0.0123, 1e-7}, Truncated: true}
		var back, want sentenceOut
		got := o.appendJSON(nil)
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("appendJSON(%q) = %s: not JSON: %v", text, got, err)
		}
		std, _ := json.Marshal(o)
		json.Unmarshal(std, &want)
		if back != want {
			t.Errorf("appendJSON(%q) decodes to %+v, encoding/json's output to %+v", text, back, want)
		}
	}
}
