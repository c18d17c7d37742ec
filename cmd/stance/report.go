package main

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"

	"github.com/claimstance/stance/classifier"
)

//go:embed report.html.tmpl
var reportTemplate string

// htmlReport is what report.html.tmpl shows: the figures of one
// evaluation, laid out for the page.
type htmlReport struct {
	Model    string // model version
	Data     string // what was scored
	Report   classifier.Report
	Summary  []figure
	Labels   []string     // label names, in Label order
	Heatmap  [][]heatCell // [gold][predicted]
	Bars     []labelBars
	Mistakes []mistake // the most confident wrong predictions, most confident first
	Wrong    int       // all wrong predictions (under the lenient measure)
	Worst    int       // the most mistakes listed
	Chart    chart
}

// figure is one summary figure.
type figure struct {
	Name, Value string
}

// heatCell is one cell of the confusion matrix.
type heatCell struct {
	Count int
	Share float64      // of the gold row
	Style template.CSS // background and text colours
}

// labelBars holds one label's precision, recall and F1 for the bar chart,
// with the y position of its group.
type labelBars struct {
	Name    string
	Support int
	Y       int
	Bars    []bar
}

// bar is one bar of the chart.
type bar struct {
	Name  string
	Value float64
	Y     int
	Width float64 // pixels
	Color string  // "#rrggbb"
}

// chart is the geometry of the bar chart.
type chart struct {
	Width, Height, Left, Plot int
	Ticks                     []tick
}

// tick is a gridline of the bar chart.
type tick struct {
	X     float64
	Label string
}

// mistake is one wrong prediction.
type mistake struct {
	Text, Gold, Also, Predicted, Source, Incident string
	Confidence                                    float32
}

// Colours of the report: right (diagonal) and wrong cells, and the three
// bars.
const (
	colorRight     = 0x1f5fa8
	colorWrong     = 0xc0392b
	colorPrecision = "#1f5fa8"
	colorRecall    = "#e67e22"
	colorF1        = "#27ae60"
)

// newHTMLReport lays out the evaluation of probs (one row per example,
// indexed by Label) against the examples' gold labels, listing up to worst
// mistakes.
func newHTMLReport(model, data string, examples []classifier.Example, probs [][classifier.NumLabels]float32, worst int) htmlReport {
	r := classifier.Score(examples, probs)
	h := htmlReport{Model: model, Data: data, Report: r, Worst: worst}
	for l := range classifier.NumLabels {
		h.Labels = append(h.Labels, classifier.Label(l).String())
	}
	h.Summary = []figure{
		{"sentences", fmt.Sprint(r.Sentences)},
		{"accuracy", fmt.Sprintf("%.3f", r.Accuracy)},
		{"lenient accuracy", fmt.Sprintf("%.3f", r.LenientAccuracy)},
		{"macro-F1", fmt.Sprintf("%.3f", r.MacroF1)},
		{"ECE", fmt.Sprintf("%.3f", r.ECE)},
	}
	for g := range classifier.NumLabels {
		row := make([]heatCell, classifier.NumLabels)
		total := 0
		for p := range classifier.NumLabels {
			total += r.Confusion[g][p]
		}
		for p := range classifier.NumLabels {
			c := heatCell{Count: r.Confusion[g][p]}
			if total > 0 {
				c.Share = float64(c.Count) / float64(total)
			}
			base := colorWrong
			if g == p {
				base = colorRight
			}
			c.Style = cellStyle(base, c.Share)
			row[p] = c
		}
		h.Heatmap = append(h.Heatmap, row)
	}
	h.Chart, h.Bars = barChart(r)
	h.Mistakes, h.Wrong = worstMistakes(examples, probs, worst)
	h.Summary = append(h.Summary, figure{"wrong (lenient)", fmt.Sprint(h.Wrong)})
	return h
}

// cellStyle colours a heatmap cell: white blending into base as share
// goes from 0 to 1, with white text on dark cells.
func cellStyle(base int, share float64) template.CSS {
	t := math.Sqrt(share) // small shares still show
	mix := func(shift int) int {
		c := float64(base >> shift & 0xff)
		return int(math.Round(255 + (c-255)*t))
	}
	r, g, b := mix(16), mix(8), mix(0)
	text := "#1a1a1a"
	if 0.299*float64(r)+0.587*float64(g)+0.114*float64(b) < 150 {
		text = "#ffffff"
	}
	return template.CSS(fmt.Sprintf("background:#%02x%02x%02x;color:%s", r, g, b, text))
}

// barChart lays out precision, recall and F1 of each label as horizontal
// bars.
func barChart(r classifier.Report) (chart, []labelBars) {
	const barH, gap = 16, 22
	c := chart{Width: 760, Left: 110, Plot: 560}
	for i := 0; i <= 10; i += 2 {
		c.Ticks = append(c.Ticks, tick{X: float64(c.Left) + float64(c.Plot)*float64(i)/10, Label: fmt.Sprintf("%.1f", float64(i)/10)})
	}
	var groups []labelBars
	y := 10
	for l, m := range r.Labels {
		g := labelBars{Name: classifier.Label(l).String(), Support: m.Support, Y: y}
		for i, v := range []struct {
			name  string
			value float64
			color string
		}{{"precision", m.Precision, colorPrecision}, {"recall", m.Recall, colorRecall}, {"F1", m.F1, colorF1}} {
			g.Bars = append(g.Bars, bar{Name: v.name, Value: v.value, Y: y + i*barH, Width: v.value * float64(c.Plot), Color: v.color})
		}
		groups = append(groups, g)
		y += 3*barH + gap
	}
	c.Height = y + 14
	return c, groups
}

// worstMistakes returns up to n wrong predictions, most confident first,
// and the number of wrong predictions. A prediction of a mixed sentence's
// second label is not wrong here, as in the lenient accuracy.
func worstMistakes(examples []classifier.Example, probs [][classifier.NumLabels]float32, n int) ([]mistake, int) {
	var all []mistake
	for i, ex := range examples {
		pred := classifier.Label(0)
		for l := range probs[i] {
			if probs[i][l] > probs[i][pred] {
				pred = classifier.Label(l)
			}
		}
		if pred == ex.Label || (ex.HasAlso && pred == ex.Also) {
			continue
		}
		m := mistake{Text: ex.Text, Gold: ex.Label.String(), Predicted: pred.String(), Source: ex.Source,
			Incident: ex.Incident, Confidence: probs[i][pred]}
		if ex.HasAlso {
			m.Also = ex.Also.String()
		}
		all = append(all, m)
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].Confidence > all[b].Confidence })
	return all[:min(max(n, 0), len(all))], len(all)
}

// writeHTMLReport renders h as a self-contained HTML page: inline CSS and
// SVG, no scripts, nothing fetched.
func writeHTMLReport(w io.Writer, h htmlReport) error {
	t, err := template.New("report").Funcs(template.FuncMap{
		"pct": func(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) },
		"f3":  func(v float64) string { return fmt.Sprintf("%.3f", v) },
		"f2":  func(v float32) string { return fmt.Sprintf("%.2f", v) },
		"add": func(a, b int) int { return a + b },
	}).Parse(reportTemplate)
	if err != nil {
		return fmt.Errorf("report template: %w", err)
	}
	return t.Execute(w, h)
}
