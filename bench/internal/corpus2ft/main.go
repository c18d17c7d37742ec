// Command corpus2ft is the helper of the fastText comparison scripts in
// bench/: it turns the Stance corpus into fastText's input format, scores
// fastText's predictions, builds the throughput input and prints the
// side-by-side table. Standard library only; run it with go run.
//
//	corpus2ft convert   -corpus DIR -out DIR [-valid-every 5]
//	corpus2ft score     -gold FILE -pred FILE
//	corpus2ft table     NAME=REPORT...
//	corpus2ft sentences -corpus DIR -out FILE [-min-bytes N] [-seed N]
//	corpus2ft run       [-rss-limit-mb N] [-report FILE] -- COMMAND [ARG...]
//
// convert reads the corpus the way classifier.LoadCorpus does (every *.jsonl
// at the folder's root; names containing "test" form the test split; names
// starting with "articles" hold articles, whose sentences join their split)
// and writes, in fastText's "__label__X text" format, lowercased and with
// punctuation split off: train.txt (the whole train split), fit.txt and
// valid.txt (train split in two by incident: every Nth incident in sorted
// order goes to valid.txt) and test.txt, plus test-text.txt (the test
// sentences without labels, for fasttext predict) and gold.txt (one line per
// test sentence: label, and the second label of a mixed sentence if any).
//
// sentences writes the corpus sentences (both splits), one a line, repeated
// in a deterministic shuffled order until the file reaches -min-bytes.
//
// run runs a command with the helper's standard streams, watches its
// resident memory in /proc every 10 ms, kills it when it passes
// -rss-limit-mb (0: no limit) and writes "maxrss_kb=N killed=0|1 exit=N" to
// -report. It exits with the command's status (137 when it killed it).
//
// score compares fasttext predict's output with gold.txt and prints the
// figures in the same layout as `stance eval`, so that table can read both.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/claimstance/stance/classifier"
)

// labels are the Stance labels, in the order the project uses.
var labels = []string{"accusation", "denial", "sanction", "background"}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "convert":
		err = convert(os.Args[2:])
	case "score":
		err = score(os.Args[2:])
	case "table":
		err = table(os.Args[2:])
	case "sentences":
		err = sentences(os.Args[2:])
	case "run":
		err = runCommand(os.Args[2:])
	default:
		usage()
	}
	var code exitError
	if errors.As(err, &code) {
		os.Exit(int(code))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "corpus2ft:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: corpus2ft convert|score|table|sentences|run [flags]")
	os.Exit(2)
}

// example is one labeled sentence.
type example struct {
	Text, Label, Also, Incident string
	Test                        bool
}

// loadCorpus reads the corpus at dir exactly as the project does
// (classifier.LoadCorpus), articles' sentences included.
func loadCorpus(dir string) ([]example, error) {
	c, err := classifier.LoadCorpus(os.DirFS(dir))
	if err != nil {
		return nil, err
	}
	var out []example
	for _, split := range []struct {
		exs  []classifier.Example
		test bool
	}{{c.Train, false}, {c.Test, true}} {
		for _, ex := range split.exs {
			also := ""
			if ex.HasAlso {
				also = ex.Also.String()
			}
			out = append(out, example{ex.Text, ex.Label.String(), also, ex.Incident, split.test})
		}
	}
	return out, nil
}

// normalize lowercases s and puts spaces around every character that is
// not a letter, digit or mark, so that fastText's whitespace split sees
// punctuation as tokens of their own.
func normalize(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			b.WriteByte(' ')
			b.WriteRune(r)
			b.WriteByte(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func convert(args []string) error {
	fs := flag.NewFlagSet("convert", flag.ExitOnError)
	dir := fs.String("corpus", "models/corpus", "corpus folder")
	outDir := fs.String("out", ".", "folder for the output files")
	every := fs.Int("valid-every", 5, "every Nth train incident (sorted) goes to valid.txt")
	fs.Parse(args)
	if *every < 2 {
		return errors.New("-valid-every must be at least 2")
	}
	exs, err := loadCorpus(*dir)
	if err != nil {
		return err
	}
	var incidents []string
	for _, ex := range exs {
		if !ex.Test && !slices.Contains(incidents, ex.Incident) {
			incidents = append(incidents, ex.Incident)
		}
	}
	slices.Sort(incidents)
	valid := map[string]bool{}
	for i, inc := range incidents {
		if i%*every == *every-1 {
			valid[inc] = true
		}
	}
	files := map[string]*bufio.Writer{}
	var closers []*os.File
	open := func(name string) (*bufio.Writer, error) {
		f, err := os.Create(filepath.Join(*outDir, name))
		if err != nil {
			return nil, err
		}
		closers = append(closers, f)
		w := bufio.NewWriter(f)
		files[name] = w
		return w, nil
	}
	for _, name := range []string{"train.txt", "fit.txt", "valid.txt", "test.txt", "test-text.txt", "gold.txt"} {
		if _, err := open(name); err != nil {
			return err
		}
	}
	count := map[string]int{}
	write := func(name, line string) {
		files[name].WriteString(line)
		files[name].WriteByte('\n')
		count[name]++
	}
	testIncidents := map[string]bool{}
	for _, ex := range exs {
		text := normalize(ex.Text)
		line := "__label__" + ex.Label + " " + text
		if ex.Test {
			testIncidents[ex.Incident] = true
			write("test.txt", line)
			write("test-text.txt", text)
			gold := ex.Label
			if ex.Also != "" && ex.Also != ex.Label {
				gold += " " + ex.Also
			}
			write("gold.txt", gold)
			continue
		}
		write("train.txt", line)
		if valid[ex.Incident] {
			write("valid.txt", line)
		} else {
			write("fit.txt", line)
		}
	}
	for name, w := range files {
		if err := w.Flush(); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
	}
	for _, f := range closers {
		if err := f.Close(); err != nil {
			return err
		}
	}
	var validNames []string
	for _, inc := range incidents {
		if valid[inc] {
			validNames = append(validNames, inc)
		}
	}
	fmt.Printf("corpus %s: train %d sentences (%d incidents), test %d sentences (%d incidents)\n",
		*dir, count["train.txt"], len(incidents), count["test.txt"], len(testIncidents))
	fmt.Printf("autotune split of train by incident: fit %d sentences, valid %d sentences (%d incidents: %s)\n",
		count["fit.txt"], count["valid.txt"], len(validNames), strings.Join(validNames, " "))
	return nil
}

// metrics are one label's figures.
type metrics struct {
	P, R, F1 float64
	Support  int
}

func score(args []string) error {
	fs := flag.NewFlagSet("score", flag.ExitOnError)
	goldPath := fs.String("gold", "gold.txt", "gold labels, one line per sentence")
	predPath := fs.String("pred", "pred.txt", "fasttext predict output, one line per sentence")
	fs.Parse(args)
	gold, err := readLines(*goldPath)
	if err != nil {
		return err
	}
	pred, err := readLines(*predPath)
	if err != nil {
		return err
	}
	if len(gold) != len(pred) {
		return fmt.Errorf("%d gold lines but %d predictions", len(gold), len(pred))
	}
	idx := map[string]int{}
	for i, l := range labels {
		idx[l] = i
	}
	n := len(labels)
	// confusion[gold][pred]; column n counts sentences with no prediction.
	confusion := make([][]int, n)
	for i := range confusion {
		confusion[i] = make([]int, n+1)
	}
	correct, lenient := 0, 0
	for i := range gold {
		g := strings.Fields(gold[i])
		if len(g) == 0 {
			return fmt.Errorf("%s:%d: empty", *goldPath, i+1)
		}
		p := n
		if f := strings.Fields(pred[i]); len(f) > 0 {
			if j, ok := idx[strings.TrimPrefix(f[0], "__label__")]; ok {
				p = j
			}
		}
		confusion[idx[g[0]]][p]++
		if p < n && labels[p] == g[0] {
			correct++
		}
		if p < n && slices.Contains(g, labels[p]) {
			lenient++
		}
	}
	fmt.Printf("%-11s %9s %9s %9s %8s\n", "label", "precision", "recall", "f1", "support")
	macro := 0.0
	for l := range n {
		tp, predicted, support := confusion[l][l], 0, 0
		for k := range n {
			predicted += confusion[k][l]
		}
		for k := range n + 1 {
			support += confusion[l][k]
		}
		var m metrics
		m.Support = support
		if predicted > 0 {
			m.P = float64(tp) / float64(predicted)
		}
		if support > 0 {
			m.R = float64(tp) / float64(support)
		}
		if m.P+m.R > 0 {
			m.F1 = 2 * m.P * m.R / (m.P + m.R)
		}
		macro += m.F1 / float64(n)
		fmt.Printf("%-11s %9.3f %9.3f %9.3f %8d\n", labels[l], m.P, m.R, m.F1, m.Support)
	}
	total := float64(len(gold))
	fmt.Printf("\nsentences %d  accuracy %.3f  lenient accuracy %.3f  macro-F1 %.3f\n",
		len(gold), float64(correct)/total, float64(lenient)/total, macro)
	fmt.Printf("\nconfusion (rows gold, columns predicted)\n%-11s", "")
	for _, l := range labels {
		fmt.Printf(" %10s", l)
	}
	fmt.Printf(" %10s\n", "(none)")
	for g := range n {
		fmt.Printf("%-11s", labels[g])
		for p := range n + 1 {
			fmt.Printf(" %10d", confusion[g][p])
		}
		fmt.Println()
	}
	return nil
}

func readLines(name string) ([]string, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	s := strings.TrimSuffix(string(data), "\n")
	if s == "" {
		return nil, nil
	}
	return strings.Split(s, "\n"), nil
}

var (
	labelRow   = regexp.MustCompile(`^(\w+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+(\d+)\s*$`)
	summaryRow = regexp.MustCompile(`sentences (\d+)\s+accuracy ([0-9.]+)\s+lenient accuracy ([0-9.]+)\s+macro-F1 ([0-9.]+)`)
)

// report is what table reads back from a score or `stance eval` output.
type report struct {
	name                string
	labels              map[string]metrics
	sentences           int
	acc, lenient, macro float64
}

func parseReport(name, path string) (report, error) {
	r := report{name: name, labels: map[string]metrics{}}
	f, err := os.Open(path)
	if err != nil {
		return r, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	found := false
	for sc.Scan() {
		line := sc.Text()
		if m := labelRow.FindStringSubmatch(line); m != nil && slices.Contains(labels, m[1]) {
			if _, seen := r.labels[m[1]]; !seen { // the first table, not the confusion matrix
				p, _ := strconv.ParseFloat(m[2], 64)
				rc, _ := strconv.ParseFloat(m[3], 64)
				f1, _ := strconv.ParseFloat(m[4], 64)
				s, _ := strconv.Atoi(m[5])
				r.labels[m[1]] = metrics{p, rc, f1, s}
			}
		}
		if m := summaryRow.FindStringSubmatch(line); m != nil {
			r.sentences, _ = strconv.Atoi(m[1])
			r.acc, _ = strconv.ParseFloat(m[2], 64)
			r.lenient, _ = strconv.ParseFloat(m[3], 64)
			r.macro, _ = strconv.ParseFloat(m[4], 64)
			found = true
		}
	}
	if err := sc.Err(); err != nil {
		return r, err
	}
	if !found || len(r.labels) != len(labels) {
		return r, fmt.Errorf("%s: no report found (want per-label rows and a macro-F1 line)", path)
	}
	return r, nil
}

func table(args []string) error {
	if len(args) == 0 {
		return errors.New("table: want NAME=REPORT arguments")
	}
	var reps []report
	for _, a := range args {
		name, path, ok := strings.Cut(a, "=")
		if !ok {
			return fmt.Errorf("table: %q is not NAME=REPORT", a)
		}
		r, err := parseReport(name, path)
		if err != nil {
			return err
		}
		reps = append(reps, r)
	}
	w := 12
	for _, r := range reps {
		w = max(w, len(r.name)+1)
	}
	row := func(title string, val func(r report) string) {
		fmt.Printf("%-18s", title)
		for _, r := range reps {
			fmt.Printf(" %*s", w, val(r))
		}
		fmt.Println()
	}
	row("", func(r report) string { return r.name })
	row("macro-F1", func(r report) string { return fmt.Sprintf("%.3f", r.macro) })
	for _, l := range labels {
		row("F1 "+l, func(r report) string { return fmt.Sprintf("%.3f", r.labels[l].F1) })
	}
	row("accuracy", func(r report) string { return fmt.Sprintf("%.3f", r.acc) })
	row("lenient accuracy", func(r report) string { return fmt.Sprintf("%.3f", r.lenient) })
	row("test sentences", func(r report) string { return strconv.Itoa(r.sentences) })
	for _, r := range reps[1:] {
		if r.sentences != reps[0].sentences {
			fmt.Fprintf(os.Stderr, "warning: %s scored %d sentences but %s scored %d: not the same test set\n",
				r.name, r.sentences, reps[0].name, reps[0].sentences)
		}
	}
	return nil
}

func sentences(args []string) error {
	fs := flag.NewFlagSet("sentences", flag.ExitOnError)
	dir := fs.String("corpus", "models/corpus", "corpus folder")
	out := fs.String("out", "input.txt", "file to write")
	minBytes := fs.Int64("min-bytes", 30<<20, "repeat the sentences until the file has at least this many bytes")
	seed := fs.Uint64("seed", 1, "seed of the deterministic shuffles")
	fs.Parse(args)
	exs, err := loadCorpus(*dir)
	if err != nil {
		return err
	}
	var sents []string
	var size int64
	for _, ex := range exs {
		// One sentence a line: inner line breaks and runs of space become one space.
		s := strings.Join(strings.Fields(ex.Text), " ")
		if s != "" {
			sents = append(sents, s)
			size += int64(len(s)) + 1
		}
	}
	if size == 0 {
		return errors.New("corpus has no sentences")
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var written int64
	lines, rounds := 0, 0
	for written < *minBytes {
		rng := rand.New(rand.NewPCG(*seed, uint64(rounds)))
		order := rng.Perm(len(sents))
		for _, i := range order {
			n, _ := io.WriteString(w, sents[i])
			w.WriteByte('\n')
			written += int64(n) + 1
			lines++
		}
		rounds++
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Printf("%s: %d bytes (%.1f MB), %d lines: %d corpus sentences (%d bytes) shuffled %d times (seed %d)\n",
		*out, written, float64(written)/1e6, lines, len(sents), size, rounds, *seed)
	return nil
}

// exitError carries a status for main to exit with, without a message.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func runCommand(args []string) error {
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	limitMB := fs.Int64("rss-limit-mb", 0, "kill the command when its resident memory passes this many MiB (0: no limit)")
	reportPath := fs.String("report", "", "file to write maxrss_kb=, killed= and exit= to")
	fs.Parse(args)
	if fs.NArg() == 0 {
		return errors.New("run: no command")
	}
	cmd := exec.Command(fs.Arg(0), fs.Args()[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	var peakKB, killed atomic.Int64
	done := make(chan struct{})
	go func() {
		status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			rss, hwm := procRSS(status)
			if hwm > peakKB.Load() {
				peakKB.Store(hwm)
			}
			if *limitMB > 0 && rss > *limitMB<<10 {
				killed.Store(1)
				cmd.Process.Kill()
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	code := 0
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
		// ru_maxrss (KiB on Linux), where the platform reports it.
		if v := reflect.ValueOf(cmd.ProcessState.SysUsage()); v.Kind() == reflect.Pointer && !v.IsNil() {
			if f := v.Elem().FieldByName("Maxrss"); f.IsValid() && f.CanInt() && f.Int() > peakKB.Load() {
				peakKB.Store(f.Int())
			}
		}
	}
	if killed.Load() == 1 {
		code = 137
	}
	if *reportPath != "" {
		rep := fmt.Sprintf("maxrss_kb=%d killed=%d exit=%d\n", peakKB.Load(), killed.Load(), code)
		if werr := os.WriteFile(*reportPath, []byte(rep), 0o644); werr != nil {
			return werr
		}
	}
	if code != 0 {
		return exitError(code)
	}
	if err != nil {
		return err
	}
	return nil
}

// procRSS reads VmRSS and VmHWM, in KiB, from a /proc/PID/status file;
// zeros where there is no such file.
func procRSS(path string) (rss, hwm int64) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, 0
	}
	for line := range strings.Lines(string(data)) {
		key, val, ok := strings.Cut(line, ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		f := strings.Fields(val)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		if key == "VmRSS" {
			rss = n
		} else {
			hwm = n
		}
	}
	return rss, hwm
}
