package server

import (
	"crypto/tls"
	"log/slog"
	"time"

	"google.golang.org/grpc"

	"github.com/claimstance/stance/classifier"
)

// Options configures a Server. A zero Options consists entirely of
// default values.
type Options struct {
	// MaxTextBytes is the largest text accepted, in bytes. Default 1 MiB.
	MaxTextBytes int
	// MaxBatchSize is the most requests in one ClassifyBatch. Default 256.
	MaxBatchSize int
	// MaxSentences is the most sentences in one text. Default 5000.
	MaxSentences int
	// MaxMessageBytes is the largest request message gRPC accepts; larger
	// ones fail with RESOURCE_EXHAUSTED before they are read. Default 16 MiB.
	MaxMessageBytes int
	// MaxConcurrent is the most calls served at once, health checks aside;
	// calls beyond it fail at once with RESOURCE_EXHAUSTED. Default 256.
	MaxConcurrent int
	// AuthToken, when set, is the bearer token every call must carry in its
	// "authorization: Bearer <token>" metadata; calls without it fail with
	// UNAUTHENTICATED. Without a token the admin service refuses every call.
	AuthToken string
	// PublicHealth exempts the health and reflection services from the
	// token, for probes and tools that cannot send one.
	PublicHealth bool
	// TLS, when set, serves TLS (and mutual TLS when it asks for client
	// certificates); otherwise the server speaks plaintext.
	TLS *tls.Config
	// Reload loads the model again for ReloadModel and Server.Reload; nil
	// means reloading is not possible.
	Reload func() (*classifier.Model, error)
	// MaxConnectionAge, when set, closes each client connection (with a
	// GOAWAY; calls in flight finish) after about this long, so that
	// clients balancing over a DNS name resolve it again and find new
	// replicas. Default: never.
	MaxConnectionAge time.Duration
	// KeepaliveMinTime is the shortest interval between client keepalive
	// pings the server tolerates; clients pinging more often are
	// disconnected. Default 10s.
	KeepaliveMinTime time.Duration
	// Logger receives one line per call and any recovered panic. Default:
	// slog.Default().
	Logger *slog.Logger
	// LogRequestText adds each request's text to its log line (field
	// "stance.text"), for debugging. By default no text is ever logged.
	LogRequestText bool
	// Metrics turns on Prometheus metrics, served by Server.MetricsHandler
	// from a registry of the server's own. Default off.
	Metrics bool
	// GRPCOptions are added to the gRPC server's options, after the
	// server's own interceptors.
	GRPCOptions []grpc.ServerOption
}

func (o Options) withDefaults() Options {
	if o.MaxTextBytes <= 0 {
		o.MaxTextBytes = 1 << 20
	}
	if o.MaxBatchSize <= 0 {
		o.MaxBatchSize = 256
	}
	if o.MaxSentences <= 0 {
		o.MaxSentences = 5000
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = 16 << 20
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 256
	}
	if o.KeepaliveMinTime <= 0 {
		o.KeepaliveMinTime = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}
