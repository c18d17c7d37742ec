package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/claimstance/stance/classifier"
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
	fs.IntVar(&opts.MaxMessageBytes, "max-message-bytes", 16<<20, "largest gRPC request message, in bytes")
	fs.IntVar(&opts.MaxConcurrent, "max-concurrent", 256, "most calls served at once; beyond it calls get RESOURCE_EXHAUSTED")
	fs.DurationVar(&opts.MaxConnectionAge, "max-connection-age", 0, "close client connections after this long so that clients re-resolve and find new replicas; 0 means never")
	tlsCert := fs.String("tls-cert", "", "serve TLS with this PEM certificate (needs --tls-key)")
	tlsKey := fs.String("tls-key", "", "PEM private key of --tls-cert")
	tlsClientCA := fs.String("tls-client-ca", "", "require client certificates signed by this PEM CA (mutual TLS)")
	tokenFile := fs.String("auth-token-file", "", "require the bearer token in this file on every call")
	fs.BoolVar(&opts.PublicHealth, "public-health", false, "with --auth-token-file: leave health and reflection open without a token")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	grace := fs.Duration("shutdown-grace", 10*time.Second, "how long a shutdown waits for calls in flight")
	metricsAddr := fs.String("metrics-addr", "", "serve Prometheus metrics over HTTP at http://ADDR/metrics (host:port); empty means no metrics")
	fs.BoolVar(&opts.LogRequestText, "log-request-text", false, "log each request's text (debugging only: texts may be sensitive)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	logger, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	opts.Logger = logger
	if opts.TLS, err = serverTLS(*tlsCert, *tlsKey, *tlsClientCA); err != nil {
		return err
	}
	if *tokenFile != "" {
		data, err := os.ReadFile(*tokenFile)
		if err != nil {
			return fmt.Errorf("--auth-token-file: %w", err)
		}
		if opts.AuthToken = strings.TrimSpace(string(data)); opts.AuthToken == "" {
			return fmt.Errorf("--auth-token-file %s is empty", *tokenFile)
		}
	}
	start := time.Now()
	model, err := loadModel(*modelPath)
	if err != nil {
		return err
	}
	opts.Reload = func() (*classifier.Model, error) { return loadModel(*modelPath) }
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	var metricsLis net.Listener
	if *metricsAddr != "" {
		if metricsLis, err = net.Listen("tcp", *metricsAddr); err != nil {
			lis.Close()
			return fmt.Errorf("--metrics-addr: %w", err)
		}
		opts.Metrics = true
	}
	srv := server.New(model, opts)
	logger.Info("serving", "addr", lis.Addr().String(), "model", model.Metadata().Version,
		"startup", time.Since(start).Round(time.Millisecond).String())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	var metricsSrv *http.Server
	metricsFailed := make(chan error, 1)
	if metricsLis != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", srv.MetricsHandler())
		metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		logger.Info("serving metrics", "url", "http://"+metricsLis.Addr().String()+"/metrics")
		go func() {
			if err := metricsSrv.Serve(metricsLis); !errors.Is(err, http.ErrServerClosed) {
				metricsFailed <- fmt.Errorf("metrics: %w", err)
			}
		}()
	}
	var failed error
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
wait:
	for {
		select {
		case err := <-served:
			if metricsSrv != nil {
				metricsSrv.Close()
			}
			return err
		case <-hup:
			srv.Reload("signal") // logs its outcome; a failure keeps the old model
		case failed = <-metricsFailed:
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	logger.Info("shutting down", "grace", grace.String())
	sctx, cancel := context.WithTimeout(context.Background(), *grace)
	defer cancel()
	srv.Shutdown(sctx)
	<-served
	if metricsSrv != nil && metricsSrv.Shutdown(sctx) != nil {
		metricsSrv.Close()
	}
	logger.Info("stopped")
	return failed
}

// serverTLS builds the server's TLS configuration from PEM files, or nil
// for plaintext when no certificate is given.
func serverTLS(certFile, keyFile, clientCAFile string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		if clientCAFile != "" {
			return nil, errors.New("--tls-client-ca needs --tls-cert and --tls-key")
		}
		return nil, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert/--tls-key: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if clientCAFile != "" {
		pem, err := os.ReadFile(clientCAFile)
		if err != nil {
			return nil, fmt.Errorf("--tls-client-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--tls-client-ca %s holds no PEM certificate", clientCAFile)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
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
