// Package testserver starts a real Stance gRPC server on a loopback port
// for tests, serving the embedded default model.
package testserver

import (
	"context"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/claimstance/stance/classifier"
	"github.com/claimstance/stance/models"
	"github.com/claimstance/stance/server"
)

// TB is the part of testing.TB that Start needs, so that TestMain can
// start a server too.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
	Cleanup(func())
}

// Start serves model (the embedded default model when nil) with opts on
// 127.0.0.1 and a free port, and returns the address. The server stops
// when the test ends. Logs are discarded unless opts.Logger is set.
func Start(tb TB, model *classifier.Model, opts server.Options) (string, *server.Server) {
	tb.Helper()
	if model == nil {
		var err error
		if model, err = models.Default(); err != nil {
			tb.Fatalf("load default model: %v", err)
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	srv := server.New(model, opts)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(lis) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		if err := <-done; err != nil {
			tb.Errorf("serve: %v", err)
		}
	})
	return lis.Addr().String(), srv
}
