package main

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"
)

// progress draws one line on a terminal while classify --jsonl runs:
// documents written, documents and input megabytes a second, and the input
// read of its size (with an estimate of the time left) when the size is
// known. Its counters are safe for concurrent use; a nil *progress counts
// nothing.
type progress struct {
	w     io.Writer
	total int64 // input size in bytes, 0 when unknown

	docs, failed, bytes atomic.Int64
}

// add counts one document written that took size bytes of input.
func (p *progress) add(size int64, failed bool) {
	if p == nil {
		return
	}
	p.docs.Add(1)
	p.bytes.Add(size)
	if failed {
		p.failed.Add(1)
	}
}

// start draws the line four times a second until the returned stop is
// called; stop draws it a last time, ends it with a newline and returns
// once nothing more will be written.
func (p *progress) start() (stop func()) {
	begin := time.Now()
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				fmt.Fprintf(p.w, "\r%s\x1b[K", p.line(time.Since(begin)))
			case <-done:
				fmt.Fprintf(p.w, "\r%s\x1b[K\n", p.line(time.Since(begin)))
				return
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}

// line formats the progress after elapsed time.
func (p *progress) line(elapsed time.Duration) string {
	docs, done, failed := p.docs.Load(), p.bytes.Load(), p.failed.Load()
	var b strings.Builder
	fmt.Fprintf(&b, "%d docs", docs)
	if secs := elapsed.Seconds(); secs > 0 {
		fmt.Fprintf(&b, "  %.0f docs/s  %.1f MB/s", float64(docs)/secs, float64(done)/1e6/secs)
	}
	if p.total > 0 {
		fmt.Fprintf(&b, "  %s of %s (%.0f%%)", megabytes(done), megabytes(p.total), 100*float64(done)/float64(p.total))
		if done > 0 && done < p.total {
			left := time.Duration(float64(elapsed) * float64(p.total-done) / float64(done))
			fmt.Fprintf(&b, "  %s left", left.Round(time.Second))
		}
	} else {
		fmt.Fprintf(&b, "  %s", megabytes(done))
	}
	if failed > 0 {
		fmt.Fprintf(&b, "  %d failed", failed)
	}
	return b.String()
}

// megabytes formats n bytes in MB (10^6 bytes), or GB from 10^9.
func megabytes(n int64) string {
	if n >= 1e9 {
		return fmt.Sprintf("%.2f GB", float64(n)/1e9)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}
