package client

import (
	"crypto/tls"

	"google.golang.org/grpc"
)

// Option configures a Client.
type Option func(*config)

type config struct {
	insecure      bool
	tls           *tls.Config
	serviceConfig string
	dialOptions   []grpc.DialOption
}

// DefaultServiceConfig is the gRPC service config a Client uses unless
// WithServiceConfig replaces it: calls to StanceService that fail with
// UNAVAILABLE are retried up to 3 more times with exponential backoff
// (0.1 s doubling to at most 2 s), and calls are spread round-robin over
// every address the target resolves to.
const DefaultServiceConfig = `{
  "loadBalancingConfig": [{"round_robin": {}}],
  "methodConfig": [{
    "name": [{"service": "stance.v1.StanceService"}],
    "retryPolicy": {
      "maxAttempts": 4,
      "initialBackoff": "0.1s",
      "maxBackoff": "2s",
      "backoffMultiplier": 2,
      "retryableStatusCodes": ["UNAVAILABLE"]
    }
  }]
}`

// WithInsecure connects without transport security (plaintext), as to a
// server on loopback. By default a Client uses TLS with the system's roots.
func WithInsecure() Option {
	return func(c *config) { c.insecure = true }
}

// WithTLSConfig connects with TLS configured by cfg: custom roots, a client
// certificate for mutual TLS, a server name. By default a Client uses TLS
// with the system's roots.
func WithTLSConfig(cfg *tls.Config) Option {
	return func(c *config) { c.tls = cfg.Clone(); c.insecure = false }
}

// WithServiceConfig replaces DefaultServiceConfig with the given gRPC
// service config (JSON).
func WithServiceConfig(json string) Option {
	return func(c *config) { c.serviceConfig = json }
}

// WithDialOptions adds raw gRPC dial options, applied after the client's
// own; an escape hatch for what no other Option covers.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(c *config) { c.dialOptions = append(c.dialOptions, opts...) }
}
