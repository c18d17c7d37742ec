package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"golang.org/x/term"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/claimstance/stance/classifier"
)

// maxLineBytes is the longest input line classify --jsonl reads. A longer
// line is skipped with an error, so that memory stays bounded whatever the
// input holds.
const maxLineBytes = 8 << 20

// bulkFlags are the flags of classify --jsonl.
type bulkFlags struct {
	input, modelPath, addr string
	plaintext, whole       bool
	concurrency            int
}

// runBulk is classify --jsonl: it labels every document of the input file
// and writes one JSON line per document to stdout, in input order. It
// returns an error when the run stops early or when any document failed.
func runBulk(ctx context.Context, f bulkFlags, stdout, stderr io.Writer) error {
	in, size, err := openInput(f.input)
	if err != nil {
		return err
	}
	defer in.Close()
	cfg := bulkConfig{concurrency: f.concurrency, maxLine: maxLineBytes}
	if f.addr != "" {
		c, err := newClient(f.addr, f.plaintext)
		if err != nil {
			return err
		}
		defer c.Close()
		cfg.classify = func(ctx context.Context, text string) ([]sentenceOut, error) {
			return classifyWith(ctx, c, text, f.whole)
		}
		cfg.fatal = remoteFatal
	} else {
		m, err := loadModel(f.modelPath)
		if err != nil {
			return err
		}
		cfg.classify = func(_ context.Context, text string) ([]sentenceOut, error) {
			return classifyLocal(m, text, f.whole)
		}
	}
	if isTerminal(stderr) {
		cfg.progress = &progress{w: stderr, total: size}
		stop := cfg.progress.start()
		defer stop()
	}
	st, err := classifyBulk(ctx, in, stdout, cfg)
	switch {
	case err != nil:
		return fmt.Errorf("classify --jsonl: stopped after %d documents: %w", st.docs, err)
	case st.failed > 0:
		return fmt.Errorf("classify --jsonl: %d of %d documents failed; the first: %s", st.failed, st.docs, st.firstError)
	}
	return nil
}

// openInput opens the named file, or standard input for "-", and returns
// its size when it is a regular file (0 otherwise).
func openInput(name string) (io.ReadCloser, int64, error) {
	f := os.Stdin
	if name != "-" {
		var err error
		if f, err = os.Open(name); err != nil {
			return nil, 0, err
		}
	}
	var size int64
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	if f == os.Stdin {
		return io.NopCloser(f), size, nil
	}
	return f, size, nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// remoteFatal reports whether a server's error should stop a bulk run
// rather than fail one document: anything but a bad or oversized
// document (the server down, a refused token, a cancelled run).
func remoteFatal(err error) bool {
	switch status.Code(err) {
	case codes.InvalidArgument, codes.ResourceExhausted:
		return false
	}
	return true
}

// bulkConfig configures classifyBulk.
type bulkConfig struct {
	// concurrency is how many documents are classified at once, at least 1.
	concurrency int
	// maxLine is the longest line read; a longer line fails its document.
	maxLine int
	// classify labels the sentences of one document's text. It is called
	// from concurrency goroutines at once.
	classify func(ctx context.Context, text string) ([]sentenceOut, error)
	// fatal reports whether an error of classify stops the run instead of
	// failing one document; nil means never.
	fatal func(error) bool
	// progress, when not nil, counts the documents written.
	progress *progress
}

// bulkStats counts the documents classifyBulk wrote.
type bulkStats struct {
	docs, failed int
	firstError   string // the error of the first failed document
}

// docOut is one document's line in the output of classify --jsonl.
type docOut struct {
	ID        json.RawMessage `json:"id"`
	Sentences []sentenceOut   `json:"sentences,omitempty"`
	Error     string          `json:"error,omitempty"`
}

// bulkJob is one input line on its way through classifyBulk.
type bulkJob struct {
	line    int           // 1-based line number
	raw     []byte        // the line, without its line ending
	size    int64         // input bytes the line took, line ending included
	readErr error         // why raw could not be read, if it could not
	done    chan struct{} // closed when the fields below are set
	out     []byte        // the output line, newline included
	errText string        // the error of a failed document
	fatal   error         // an error that stops the run
}

// errLineTooLong reports a line longer than the limit of readLine.
var errLineTooLong = errors.New("line too long")

// classifyBulk reads JSON Lines documents ({"id": ..., "text": ...}) from r
// and writes one JSON line per document to w, in input order: the id as it
// was (raw JSON) and its sentences, or the id and an error naming the line.
// Blank lines are skipped. cfg.concurrency documents are classified at once
// and at most 4*cfg.concurrency are in flight between the reader and the
// writer, so memory stays flat whatever the input's size. It stops at the
// first read, write or fatal error, or when ctx is done.
func classifyBulk(ctx context.Context, r io.Reader, w io.Writer, cfg bulkConfig) (bulkStats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// pending holds the jobs in input order; the writer waits on each in
	// turn while the workers finish them in any order. Its capacity bounds
	// the work in flight.
	pending := make(chan *bulkJob, 4*cfg.concurrency)
	work := make(chan *bulkJob)
	var wg sync.WaitGroup
	var readErr error
	wg.Go(func() {
		defer close(pending)
		defer close(work)
		readErr = readJobs(ctx, r, cfg.maxLine, pending, work)
	})
	for range cfg.concurrency {
		wg.Go(func() {
			for j := range work {
				j.run(ctx, &cfg)
			}
		})
	}
	st, err := writeJobs(ctx, w, pending, cfg.progress)
	cancel()
	wg.Wait()
	if err == nil {
		err = readErr
	}
	return st, err
}

// readJobs reads r line by line and hands each non-blank line to the
// writer (pending) and then to a worker (work).
func readJobs(ctx context.Context, r io.Reader, maxLine int, pending, work chan<- *bulkJob) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var blank int64 // bytes of blank lines, counted with the next job
	for n := 1; ; n++ {
		raw, size, err := readLine(br, maxLine)
		if size == 0 && errors.Is(err, io.EOF) {
			return nil
		}
		j := &bulkJob{line: n, size: blank + size, done: make(chan struct{})}
		switch {
		case errors.Is(err, errLineTooLong):
			j.readErr = fmt.Errorf("longer than %d bytes", maxLine)
		case err != nil && !errors.Is(err, io.EOF):
			return err
		case len(bytes.TrimSpace(raw)) == 0:
			blank = j.size
			continue
		default:
			j.raw = raw
		}
		blank = 0
		select {
		case pending <- j:
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case work <- j:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// readLine reads one line from br into a new slice, without its line
// ending, and returns it with the number of bytes it took. A line longer
// than limit is read to its end and dropped, and readLine returns
// errLineTooLong. At the end of the input it returns io.EOF, with the last
// line when that has no newline.
func readLine(br *bufio.Reader, limit int) ([]byte, int64, error) {
	var line []byte
	var size int64
	tooLong := false
	for {
		frag, err := br.ReadSlice('\n')
		size += int64(len(frag))
		if !tooLong {
			if len(line)+len(frag) > limit+len("\r\n") {
				tooLong, line = true, nil
			} else {
				line = append(line, frag...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if tooLong || len(line) > limit {
			return nil, size, errLineTooLong
		}
		return line, size, err
	}
}

// run classifies the job's document and sets its output, then closes done.
func (j *bulkJob) run(ctx context.Context, cfg *bulkConfig) {
	defer close(j.done)
	var doc docOut
	var sents []sentenceOut
	text, err := j.decode(&doc.ID)
	if err == nil {
		sents, err = cfg.classify(ctx, text)
		if err != nil && cfg.fatal != nil && cfg.fatal(err) {
			j.fatal = fmt.Errorf("line %d: %w", j.line, err)
			return
		}
	}
	if err != nil {
		j.errText = fmt.Sprintf("line %d: %s", j.line, errorText(err))
		doc.Error = j.errText
	} else {
		doc.Sentences = sents
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		// Only a value JSON cannot hold (a NaN score) fails here.
		j.fatal = fmt.Errorf("line %d: %w", j.line, err)
		return
	}
	j.out = buf.Bytes()
}

// decode decodes the job's line, stores its id in id and returns its text.
func (j *bulkJob) decode(id *json.RawMessage) (string, error) {
	if j.readErr != nil {
		return "", j.readErr
	}
	var in struct {
		ID   json.RawMessage `json:"id"`
		Text *string         `json:"text"`
	}
	err := json.Unmarshal(j.raw, &in)
	*id = in.ID // set despite a type error elsewhere in the line
	switch {
	case err != nil:
		return "", err
	case len(in.ID) == 0 || string(in.ID) == "null":
		return "", errors.New(`no "id"`)
	case in.ID[0] != '"' && in.ID[0] != '-' && (in.ID[0] < '0' || in.ID[0] > '9'):
		return "", errors.New(`"id" is neither a string nor a number`)
	case in.Text == nil:
		return "", errors.New(`no "text"`)
	}
	return *in.Text, nil
}

// errorText is the message of err for an output line: a server's status
// message without the "rpc error: code = ... desc =" framing.
func errorText(err error) string {
	if s, ok := status.FromError(err); ok {
		return s.Message()
	}
	if errors.Is(err, classifier.ErrEmptyText) {
		return "text is empty or blank"
	}
	return err.Error()
}

// writeJobs writes the output of each job of pending, in order, waiting
// for each to be done. It flushes what it has written whenever it has to
// wait, so that a reader downstream sees documents as they are labeled.
func writeJobs(ctx context.Context, w io.Writer, pending <-chan *bulkJob, p *progress) (st bulkStats, err error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	defer func() {
		if ferr := bw.Flush(); err == nil {
			err = ferr
		}
	}()
	for j := range pending {
		select {
		case <-j.done:
		default:
			if err := bw.Flush(); err != nil {
				return st, err
			}
			select {
			case <-j.done:
			case <-ctx.Done():
				return st, ctx.Err()
			}
		}
		if j.fatal != nil {
			return st, j.fatal
		}
		if _, err := bw.Write(j.out); err != nil {
			return st, err
		}
		st.docs++
		if j.errText != "" {
			st.failed++
			if st.firstError == "" {
				st.firstError = j.errText
			}
		}
		p.add(j.size, j.errText != "")
	}
	return st, nil
}
