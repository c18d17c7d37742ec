package client

import (
	"context"
	"crypto/tls"

	"google.golang.org/grpc"
)

// Option configures a Client.
type Option func(*config)

type config struct {
	insecure      bool
	tls           *tls.Config
	serviceConfig string
	token         string
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

// WithBearerToken sends "authorization: Bearer <token>" with every call,
// for servers started with an auth token. The token is only sent over TLS
// unless WithInsecure is also given (for loopback and tests).
func WithBearerToken(token string) Option {
	return func(c *config) { c.token = token }
}

// tokenCredentials attaches a bearer token to every call.
type tokenCredentials struct {
	token  string
	secure bool
}

func (t tokenCredentials) GetRequestMetadata(ctx context.Context, uri ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + t.token}, nil
}

func (t tokenCredentials) RequireTransportSecurity() bool { return t.secure }
