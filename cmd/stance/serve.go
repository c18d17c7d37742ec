package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/claimstance/stance/server"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:50051", "address to listen on (host:port)")
	modelPath := modelFlag(fs)
	var opts server.Options
	fs.IntVar(&opts.MaxTextBytes, "max-text-bytes", 1<<20, "largest text accepted, in bytes")
	fs.IntVar(&opts.MaxBatchSize, "max-batch-size", 256, "most requests in one ClassifyBatch")
	fs.IntVar(&opts.MaxSentences, "max-sentences", 5000, "most sentences in one text")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	grace := fs.Duration("shutdown-grace", 10*time.Second, "how long a shutdown waits for calls in flight")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	logger, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	opts.Logger = logger
	start := time.Now()
	model, err := loadModel(*modelPath)
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := server.New(model, opts)
	logger.Info("serving", "addr", lis.Addr().String(), "model", model.Metadata().Version,
		"startup", time.Since(start).Round(time.Millisecond).String())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	srv.Shutdown(sctx)
	<-served
	logger.Info("stopped")
	return nil
}

// newLogger returns a slog logger writing to w in the given format.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	hopts := &slog.HandlerOptions{Level: lvl}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, hopts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, hopts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}
