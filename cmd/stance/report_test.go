package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/claimstance/stance/classifier"
)

func TestEvalHTMLReport(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "report.html")
	out, _, err := runCLI(t, "eval", "--corpus", "../../models/corpus", "--html", report, "--worst", "10")
	if err != nil || !strings.Contains(out, "macro-F1") {
		t.Fatalf("stance eval --html = %q, %v; want the text report too", out, err)
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	for _, want := range []string{"<!DOCTYPE html>", "<style>", "Confusion matrix", `<table class="heat">`, "<svg", "<rect", "The worst mistakes", "accuracy", "macro-F1"} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	for _, l := range []string{"accusation", "denial", "sanction", "background"} {
		if !strings.Contains(page, "<th>"+l+"</th>") {
			t.Errorf("the heatmap has no column for %s", l)
		}
	}
	if n := strings.Count(page, `<td class="text">`); n != 10 {
		t.Errorf("the report lists %d mistakes, want 10 (--worst 10)", n)
	}
	// Self-contained: nothing to fetch, nothing to run.
	for _, bad := range []string{"<script", "<link", "src=", "href=", "url(", "@import", "http://", "https://"} {
		if strings.Contains(page, bad) {
			t.Errorf("the report contains %q; want no external assets", bad)
		}
	}
	screenshotNotBlank(t, report)
}

// screenshotNotBlank renders the page at path in headless Chromium and
// checks that the picture shows the heatmap's and the chart's colours.
func screenshotNotBlank(t *testing.T, path string) {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not on PATH (.ci/run installs it: apt-get install -y chromium); the report is not rendered")
	}
	shot := filepath.Join(t.TempDir(), "report.png")
	// The timeout only stops a hung browser; nothing is asserted on time.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--screenshot="+shot, "--window-size=1200,1600", "file://"+path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium --screenshot: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("chromium wrote no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode the screenshot: %v", err)
	}
	st := pixelStats(img)
	if st.colors < 50 || st.nonWhite < 0.05 || st.blue < 2000 || st.red < 2000 {
		t.Errorf("screenshot %s: %d colours, %.1f%% not white, %d blue and %d red pixels; want at least 50 colours, 5%% not white, and 2000 pixels each of the heatmap's blue and red",
			shot, st.colors, 100*st.nonWhite, st.blue, st.red)
	}
}

// imageStats describes the pixels of a picture.
type imageStats struct {
	colors    int     // distinct colours
	nonWhite  float64 // share of pixels that are not white
	blue, red int     // pixels clearly blue or clearly red
}

func pixelStats(img image.Image) imageStats {
	var st imageStats
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	nonWhite := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			seen[[3]uint32{r, g, bl}] = true
			if r < 250 || g < 250 || bl < 250 {
				nonWhite++
			}
			switch {
			case bl > r+60 && bl > g+20:
				st.blue++
			case r > bl+60 && r > g+40:
				st.red++
			}
		}
	}
	st.colors = len(seen)
	st.nonWhite = float64(nonWhite) / float64(b.Dx()*b.Dy())
	return st
}

func TestPixelStatsOfABlankPage(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 100, 100))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	if st := pixelStats(img); st.colors != 1 || st.nonWhite != 0 || st.blue != 0 || st.red != 0 {
		t.Errorf("pixelStats(white page) = %+v, want one colour and nothing else", st)
	}
}

func TestWorstMistakes(t *testing.T) {
	acc, den, san, bg := classifier.Accusation, classifier.Denial, classifier.Sanction, classifier.Background
	p := func(l classifier.Label, conf float32) [classifier.NumLabels]float32 {
		var row [classifier.NumLabels]float32
		for i := range row {
			row[i] = (1 - conf) / (classifier.NumLabels - 1)
		}
		row[l] = conf
		return row
	}
	examples := []classifier.Example{
		{Text: "right", Label: acc},
		{Text: "wrong, fairly sure", Label: acc, Source: "a:2"},
		{Text: "second label of a mixed sentence", Label: san, Also: acc, HasAlso: true},
		{Text: "wrong, very sure", Label: den, Source: "a:4"},
		{Text: "wrong, mixed, unsure", Label: san, Also: bg, HasAlso: true},
		{Text: "wrong, barely", Label: bg},
	}
	probs := [][classifier.NumLabels]float32{p(acc, .9), p(san, .8), p(acc, .95), p(bg, .97), p(den, .5), p(acc, .4)}
	tests := []struct {
		n         int
		wantTexts []string
	}{
		{10, []string{"wrong, very sure", "wrong, fairly sure", "wrong, mixed, unsure", "wrong, barely"}},
		{2, []string{"wrong, very sure", "wrong, fairly sure"}},
		{0, nil},
		{-1, nil},
	}
	for _, tt := range tests {
		got, wrong := worstMistakes(examples, probs, tt.n)
		var texts []string
		for _, m := range got {
			texts = append(texts, m.Text)
		}
		if strings.Join(texts, "|") != strings.Join(tt.wantTexts, "|") || wrong != 4 {
			t.Errorf("worstMistakes(n=%d) = %q, %d wrong; want %q, 4 wrong", tt.n, texts, wrong, tt.wantTexts)
		}
	}
	got, _ := worstMistakes(examples, probs, 10)
	if m := got[2]; m.Gold != "sanction" || m.Also != "background" || m.Predicted != "denial" || m.Confidence != 0.5 {
		t.Errorf("the mixed mistake = %+v, want gold sanction, also background, predicted denial at 0.5", m)
	}
}

func TestCellStyle(t *testing.T) {
	tests := []struct {
		base  int
		share float64
		want  string
	}{
		{colorRight, 0, "background:#ffffff;color:#1a1a1a"},
		{colorRight, 1, "background:#1f5fa8;color:#ffffff"},
		{colorWrong, 1, "background:#c0392b;color:#ffffff"},
		{colorWrong, 0.04, "background:#f2d7d5;color:#1a1a1a"},
	}
	for _, tt := range tests {
		if got := string(cellStyle(tt.base, tt.share)); got != tt.want {
			t.Errorf("cellStyle(%06x, %v) = %q, want %q", tt.base, tt.share, got, tt.want)
		}
	}
}

func TestHTMLReportEscapesText(t *testing.T) {
	examples := []classifier.Example{{Text: `<script>alert("x")</script> & co`, Label: classifier.Denial}}
	var row [classifier.NumLabels]float32
	row[classifier.Background] = 1
	var buf bytes.Buffer
	if err := writeHTMLReport(&buf, newHTMLReport("m", "a file", examples, [][classifier.NumLabels]float32{row}, 5)); err != nil {
		t.Fatalf("writeHTMLReport: %v", err)
	}
	page := buf.String()
	if strings.Contains(page, "<script>") || !strings.Contains(page, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co") {
		t.Errorf("a mistake's text is not escaped in the report:\n%s", page)
	}
}
