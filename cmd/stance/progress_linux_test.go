package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

// openPTY opens a pseudo-terminal and returns its controller and terminal
// ends, or skips the test when the system has none.
func openPTY(t *testing.T) (controller, terminal *os.File) {
	t.Helper()
	c, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	var unlock int32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, c.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		c.Close()
		t.Skipf("unlock pseudo-terminal: %v", e)
	}
	var n uint32
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, c.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
		c.Close()
		t.Skipf("pseudo-terminal number: %v", e)
	}
	term, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		c.Close()
		t.Skipf("open pseudo-terminal: %v", err)
	}
	return c, term
}

func TestClassifyJSONLProgressOnATerminal(t *testing.T) {
	docs := corpusDocs(t, 20)
	size, err := os.Stat(docs)
	if err != nil {
		t.Fatal(err)
	}
	controller, term := openPTY(t)
	defer controller.Close()
	var shown bytes.Buffer
	read := make(chan struct{})
	go func() {
		defer close(read)
		io.Copy(&shown, controller) // ends with EIO once term is closed
	}()
	var stdout bytes.Buffer
	err = run(context.Background(), []string{"classify", "--jsonl", docs}, &stdout, term)
	term.Close()
	<-read
	if err != nil {
		t.Fatalf("classify --jsonl: %v", err)
	}
	// The last progress line is drawn when the run ends, whatever the timing.
	want := "20 docs  "
	whole := fmt.Sprintf("%s of %s (100%%)", megabytes(size.Size()), megabytes(size.Size()))
	if got := shown.String(); !strings.Contains(got, "\r"+want) || !strings.Contains(got, whole) {
		t.Errorf("classify --jsonl on a terminal showed %q, want a progress line with %q and %q", got, want, whole)
	}
	if strings.Contains(stdout.String(), "docs") {
		t.Errorf("progress went to stdout: %q", stdout.String())
	}
}
