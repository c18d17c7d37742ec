package server_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/claimstance/stance/models"
	stancev1 "github.com/claimstance/stance/proto/stance/v1"
	"github.com/claimstance/stance/server"
)

// FuzzClassifyRequest sends arbitrary requests through the Classify
// handler in-process: it either refuses them with INVALID_ARGUMENT, for
// the reasons a request can be invalid, or answers with sentences in
// order, inside the text, on rune boundaries, with scores summing to 1.
//
//	go test ./server -run '^$' -fuzz '^FuzzClassifyRequest$' -fuzztime 10m
func FuzzClassifyRequest(f *testing.F) {
	f.Add("Moscow denied any involvement. The Treasury sanctioned two men.", int32(0), uint32(0))
	f.Add("Beijing called the charges groundless.", int32(2), uint32(5))
	f.Add("", int32(1), uint32(0))
	f.Add(" \u00a0\u3000\n", int32(0), uint32(0))
	f.Add("Mos\u200bcow\x00 \u202edenied\u202c it 👩‍💻. 中国否认。 نفت موسكو", int32(1), uint32(50))
	f.Add("Moscow \xff\xfe denied \xc3 it.", int32(0), uint32(3))
	f.Add("Moscow denied it.", int32(7), uint32(51))
	f.Add("1. The FBI said so.\n2. The NSA agreed.\n- Beijing denied it.", int32(-1), uint32(0))
	model, err := models.Default()
	if err != nil {
		f.Fatal(err)
	}
	const maxText, maxSentences = 4096, 64
	srv := server.New(model, server.Options{MaxTextBytes: maxText, MaxSentences: maxSentences})
	f.Fuzz(func(t *testing.T, text string, split int32, topK uint32) {
		req := &stancev1.ClassifyRequest{Text: text, Split: stancev1.Split(split), ExplainTopK: topK}
		resp, err := srv.Classify(context.Background(), req)
		blank := strings.TrimSpace(text) == ""
		badSplit := split < 0 || split > int32(stancev1.Split_SPLIT_NONE)
		mustFail := blank || badSplit || topK > 50 || len(text) > maxText
		if err != nil {
			if code := status.Code(err); code != codes.InvalidArgument {
				t.Fatalf("Classify(%q, split %d, top %d): %v, want InvalidArgument or an answer", text, split, topK, err)
			}
			// Too many sentences is the one refusal not known in advance.
			if !mustFail && !strings.Contains(status.Convert(err).Message(), "sentences is over the limit") {
				t.Fatalf("Classify(%q, split %d, top %d) refused a valid request: %v", text, split, topK, err)
			}
			return
		}
		if mustFail {
			t.Fatalf("Classify(%q, split %d, top %d) answered an invalid request", text, split, topK)
		}
		sents := resp.GetSentences()
		if len(sents) == 0 || len(sents) > maxSentences || (split == int32(stancev1.Split_SPLIT_NONE) && len(sents) != 1) {
			t.Fatalf("Classify(%q, split %d): %d sentences", text, split, len(sents))
		}
		valid := utf8.ValidString(text)
		prevEnd := 0
		for i, s := range sents {
			start, end := int(s.GetStart()), int(s.GetEnd())
			if start < prevEnd || end < start || end > len(text) {
				t.Fatalf("Classify(%q): sentence %d at [%d,%d) out of order or outside the text (previous end %d)", text, i, start, end, prevEnd)
			}
			if s.GetText() != text[start:end] {
				t.Fatalf("Classify(%q): sentence %d text %q, want %q", text, i, s.GetText(), text[start:end])
			}
			if valid && !(onBoundary(text, start) && onBoundary(text, end)) {
				t.Fatalf("Classify(%q): sentence %d at [%d,%d) splits a rune", text, i, start, end)
			}
			var sum float64
			for _, sc := range s.GetScores() {
				p := float64(sc.GetProbability())
				if math.IsNaN(p) || p < 0 || p > 1 {
					t.Fatalf("Classify(%q): sentence %d score %v", text, i, sc)
				}
				sum += p
			}
			if len(s.GetScores()) != 4 || math.Abs(sum-1) > 1e-4 {
				t.Fatalf("Classify(%q): sentence %d scores %v sum to %v, want four summing to 1", text, i, s.GetScores(), sum)
			}
			if n := len(s.GetEvidence()); n > int(topK) {
				t.Fatalf("Classify(%q): sentence %d has %d evidence features, asked for %d", text, i, n, topK)
			}
			prevEnd = end
		}
		// An answer to valid UTF-8 must go on the wire: every string in it
		// (sentence texts, evidence names) valid UTF-8 too.
		if _, err := proto.Marshal(resp); valid && err != nil {
			t.Fatalf("Classify(%q): the answer does not encode: %v", text, err)
		}
	})
}
