package classifier

import (
	"math"
	"strings"
	"testing"
)

// TestScore scores eight hand-made predictions whose figures are worked out
// by hand below. All probabilities are dyadic, so float32 holds them exactly
// and the confidence bins are unambiguous.
//
//	#  gold        predicted   conf   bin  right  also (lenient)
//	1  accusation  accusation  0.75   7    yes
//	2  accusation  accusation  0.875  8    yes
//	3  accusation  denial      0.5    5    no     denial: yes
//	4  denial      denial      0.625  6    yes
//	5  denial      background  0.5    5    no
//	6  sanction    sanction    1.0    9    yes
//	7  sanction    accusation  0.75   7    no     accusation: yes
//	8  background  background  0.375  3    yes
//
// Confusion (rows gold, columns predicted: acc den san bg):
//
//	acc 2 1 0 0   support 3
//	den 0 1 0 1   support 2
//	san 1 0 1 0   support 2
//	bg  0 0 0 1   support 1
//	predicted: 3 2 1 2
//
// precision: acc 2/3, den 1/2, san 1/1, bg 1/2
// recall:    acc 2/3, den 1/2, san 1/2, bg 1/1
// F1:        acc 2/3, den 1/2, san 2/3, bg 2/3
// macro-F1 = (2/3 + 1/2 + 2/3 + 2/3) / 4 = 0.625
// accuracy = 5/8, lenient accuracy = 7/8
// ECE = sum over bins of |right - sum of conf| / 8
//
//	= (|1-0.375| + |0-1.0| + |1-0.625| + |1-1.5| + |1-0.875| + |1-1.0|) / 8
//	= (0.625 + 1 + 0.375 + 0.5 + 0.125 + 0) / 8 = 0.328125
func TestScore(t *testing.T) {
	ex := func(gold Label) Example { return Example{Text: "x", Label: gold, Incident: "i"} }
	also := func(gold, also Label) Example {
		e := ex(gold)
		e.Also, e.HasAlso = also, true
		return e
	}
	examples := []Example{
		ex(Accusation),
		ex(Accusation),
		also(Accusation, Denial),
		ex(Denial),
		ex(Denial),
		ex(Sanction),
		also(Sanction, Accusation),
		ex(Background),
	}
	probs := [][NumLabels]float32{
		{0.75, 0.125, 0.0625, 0.0625},
		{0.875, 0.0625, 0.03125, 0.03125},
		{0.25, 0.5, 0.125, 0.125},
		{0.125, 0.625, 0.125, 0.125},
		{0.125, 0.25, 0.125, 0.5},
		{0, 0, 1, 0},
		{0.75, 0, 0.25, 0},
		{0.25, 0.125, 0.25, 0.375},
	}
	r := Score(examples, probs)

	wantConfusion := [NumLabels][NumLabels]int{
		{2, 1, 0, 0},
		{0, 1, 0, 1},
		{1, 0, 1, 0},
		{0, 0, 0, 1},
	}
	if r.Confusion != wantConfusion {
		t.Errorf("Score().Confusion = %v, want %v", r.Confusion, wantConfusion)
	}
	wantLabels := [NumLabels]LabelMetrics{
		Accusation: {Precision: 2.0 / 3, Recall: 2.0 / 3, F1: 2.0 / 3, Support: 3},
		Denial:     {Precision: 0.5, Recall: 0.5, F1: 0.5, Support: 2},
		Sanction:   {Precision: 1, Recall: 0.5, F1: 2.0 / 3, Support: 2},
		Background: {Precision: 0.5, Recall: 1, F1: 2.0 / 3, Support: 1},
	}
	for l := range NumLabels {
		got, want := r.Labels[l], wantLabels[l]
		if got.Support != want.Support || !near(got.Precision, want.Precision) || !near(got.Recall, want.Recall) || !near(got.F1, want.F1) {
			t.Errorf("Score().Labels[%v] = %+v, want %+v", Label(l), got, want)
		}
	}
	for _, tt := range []struct {
		name      string
		got, want float64
	}{
		{"Accuracy", r.Accuracy, 5.0 / 8},
		{"LenientAccuracy", r.LenientAccuracy, 7.0 / 8},
		{"MacroF1", r.MacroF1, 0.625},
		{"ECE", r.ECE, 0.328125},
	} {
		if !near(tt.got, tt.want) {
			t.Errorf("Score().%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if r.Sentences != 8 {
		t.Errorf("Score().Sentences = %d, want 8", r.Sentences)
	}

	s := r.String()
	for _, want := range []string{
		"accuracy 0.625  lenient accuracy 0.875  macro-F1 0.625  ECE 0.328",
		"sanction        1.000     0.500     0.667        2",
		"accusation           2          1          0          0",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("Report.String() lacks %q:\n%s", want, s)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12 }

func TestScoreEdgeCases(t *testing.T) {
	ex := func(gold Label) Example { return Example{Text: "x", Label: gold, Incident: "i"} }
	t.Run("empty", func(t *testing.T) {
		if r := Score(nil, nil); r != (Report{}) {
			t.Errorf("Score(nil, nil) = %+v, want the zero Report", r)
		}
	})
	t.Run("label never predicted", func(t *testing.T) {
		// Everything predicted accusation: denial has no predictions, so its
		// precision is 0, not NaN; sanction and background have no support.
		r := Score([]Example{ex(Accusation), ex(Denial)}, [][NumLabels]float32{
			{0.5, 0.25, 0.125, 0.125},
			{0.5, 0.25, 0.125, 0.125},
		})
		want := [NumLabels]LabelMetrics{
			Accusation: {Precision: 0.5, Recall: 1, F1: 2.0 / 3, Support: 1},
			Denial:     {Support: 1},
		}
		for l := range NumLabels {
			got := r.Labels[l]
			if got.Support != want[l].Support || !near(got.Precision, want[l].Precision) || !near(got.Recall, want[l].Recall) || !near(got.F1, want[l].F1) {
				t.Errorf("Score().Labels[%v] = %+v, want %+v", Label(l), got, want[l])
			}
		}
		// MacroF1 averages over all four labels, present or not.
		if want := (2.0 / 3) / 4; !near(r.MacroF1, want) {
			t.Errorf("Score().MacroF1 = %v, want %v", r.MacroF1, want)
		}
		// One bin (conf 0.5), one right of two: |1 - 1.0| / 2 = 0.
		if !near(r.ECE, 0) || !near(r.Accuracy, 0.5) {
			t.Errorf("Score() ECE %v accuracy %v, want 0 and 0.5", r.ECE, r.Accuracy)
		}
	})
	t.Run("ties go to the first label", func(t *testing.T) {
		r := Score([]Example{ex(Denial)}, [][NumLabels]float32{{0.25, 0.25, 0.25, 0.25}})
		if r.Confusion[Denial][Accusation] != 1 {
			t.Errorf("Score(uniform probabilities).Confusion = %v, want the prediction to be accusation", r.Confusion)
		}
		// Confidence 0.25 lands in bin 2, wrong: ECE = 0.25.
		if !near(r.ECE, 0.25) {
			t.Errorf("Score(uniform).ECE = %v, want 0.25", r.ECE)
		}
	})
	t.Run("confidence 1 shares the last bin", func(t *testing.T) {
		// Wrong at confidence 1, right at 0.9921875: in one bin the errors
		// cancel, |1 - 1.9921875| / 2; in two bins they would add up to
		// (1 + 0.0078125) / 2.
		r := Score([]Example{ex(Denial), ex(Sanction)}, [][NumLabels]float32{{0, 0, 1, 0}, {0, 0, 0.9921875, 0.0078125}})
		if want := 0.9921875 / 2; !near(r.ECE, want) {
			t.Errorf("Score().ECE = %v, want %v", r.ECE, want)
		}
	})
	t.Run("also equal to the label", func(t *testing.T) {
		e := ex(Denial)
		e.Also = Accusation // HasAlso false: the second label does not count
		r := Score([]Example{e}, [][NumLabels]float32{{0.75, 0.25, 0, 0}})
		if r.LenientAccuracy != 0 {
			t.Errorf("Score(Also without HasAlso).LenientAccuracy = %v, want 0", r.LenientAccuracy)
		}
	})
}

func TestEvaluate(t *testing.T) {
	m, _ := tinyModel(t)
	exs := tinyExamples(t)[:8]
	probs := make([][NumLabels]float32, len(exs))
	for i, ex := range exs {
		s, err := m.Classify(ex.Text, ClassifyOptions{Whole: true})
		if err != nil {
			t.Fatal(err)
		}
		probs[i] = s[0].Probs
	}
	if got, want := Evaluate(m, exs), Score(exs, probs); got != want {
		t.Errorf("Evaluate(m, examples)\n got %+v\nwant Score of the Whole classifications %+v", got, want)
	}
}
