package classifier

import (
	"fmt"
	"math"
	"strings"
)

// Report holds classification figures on a labeled set.
type Report struct {
	// Sentences is the number of sentences scored.
	Sentences int `json:"sentences"`
	// Accuracy is the share of sentences whose predicted label is the gold
	// label; LenientAccuracy also counts the second label of mixed
	// sentences as right, as the labeling guide's evaluation does.
	Accuracy        float64 `json:"accuracy"`
	LenientAccuracy float64 `json:"lenient_accuracy"`
	// MacroF1 is the unweighted mean of the per-label F1 scores.
	MacroF1 float64 `json:"macro_f1"`
	// Labels holds precision, recall, F1 and support, indexed by Label.
	Labels [NumLabels]LabelMetrics `json:"labels"`
	// Confusion counts sentences by [gold][predicted] label.
	Confusion [NumLabels][NumLabels]int `json:"confusion"`
	// ECE is the expected calibration error of the confidences over 10
	// equal-width bins.
	ECE float64 `json:"ece"`
}

// LabelMetrics holds the figures of one label.
type LabelMetrics struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// Evaluate labels each example's text as one sentence and scores the labels
// against the gold ones.
func Evaluate(m *Model, examples []Example) Report {
	probs := make([][NumLabels]float32, len(examples))
	for i, ex := range examples {
		s, err := m.Classify(ex.Text, ClassifyOptions{Whole: true})
		if err == nil && len(s) == 1 {
			probs[i] = s[0].Probs
		}
	}
	return Score(examples, probs)
}

// Score computes the report for predicted probabilities, one row per
// example, indexed by Label.
func Score(examples []Example, probs [][NumLabels]float32) Report {
	var r Report
	r.Sentences = len(examples)
	if len(examples) == 0 {
		return r
	}
	const bins = 10
	var binCount [bins]int
	var binConf, binCorrect [bins]float64
	correct, lenient := 0, 0
	for i, ex := range examples {
		pred := argmax(probs[i])
		r.Confusion[ex.Label][pred]++
		ok := pred == ex.Label
		if ok {
			correct++
		}
		if ok || (ex.HasAlso && pred == ex.Also) {
			lenient++
		}
		conf := float64(probs[i][pred])
		b := min(int(conf*bins), bins-1)
		binCount[b]++
		binConf[b] += conf
		if ok {
			binCorrect[b]++
		}
	}
	n := float64(len(examples))
	r.Accuracy = float64(correct) / n
	r.LenientAccuracy = float64(lenient) / n
	for b := range bins {
		if binCount[b] > 0 {
			r.ECE += math.Abs(binCorrect[b]-binConf[b]) / n
		}
	}
	for l := range NumLabels {
		tp := r.Confusion[l][l]
		predicted, support := 0, 0
		for k := range NumLabels {
			predicted += r.Confusion[k][l]
			support += r.Confusion[l][k]
		}
		m := LabelMetrics{Support: support}
		if predicted > 0 {
			m.Precision = float64(tp) / float64(predicted)
		}
		if support > 0 {
			m.Recall = float64(tp) / float64(support)
		}
		if m.Precision+m.Recall > 0 {
			m.F1 = 2 * m.Precision * m.Recall / (m.Precision + m.Recall)
		}
		r.Labels[l] = m
		r.MacroF1 += m.F1 / NumLabels
	}
	return r
}

func argmax(p [NumLabels]float32) Label {
	best := Label(0)
	for l := range p {
		if p[l] > p[best] {
			best = Label(l)
		}
	}
	return best
}

// String formats the report as a plain-text table: per-label figures, the
// summary figures and the confusion matrix.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-11s %9s %9s %9s %8s\n", "label", "precision", "recall", "f1", "support")
	for l, m := range r.Labels {
		fmt.Fprintf(&b, "%-11s %9.3f %9.3f %9.3f %8d\n", Label(l), m.Precision, m.Recall, m.F1, m.Support)
	}
	fmt.Fprintf(&b, "\nsentences %d  accuracy %.3f  lenient accuracy %.3f  macro-F1 %.3f  ECE %.3f\n",
		r.Sentences, r.Accuracy, r.LenientAccuracy, r.MacroF1, r.ECE)
	fmt.Fprintf(&b, "\nconfusion (rows gold, columns predicted)\n%-11s", "")
	for l := range NumLabels {
		fmt.Fprintf(&b, " %10s", Label(l))
	}
	b.WriteByte('\n')
	for g := range NumLabels {
		fmt.Fprintf(&b, "%-11s", Label(g))
		for p := range NumLabels {
			fmt.Fprintf(&b, " %10d", r.Confusion[g][p])
		}
		b.WriteByte('\n')
	}
	return b.String()
}
