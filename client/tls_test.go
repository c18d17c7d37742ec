package client_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	"github.com/claimstance/stance/client"
	"github.com/claimstance/stance/internal/testserver"
	"github.com/claimstance/stance/server"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool // holds cert alone
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// issue returns a leaf certificate signed by the CA: a server certificate
// for 127.0.0.1 or a client certificate.
func (ca *testCA) issue(t *testing.T, name string, serial int64, usage x509.ExtKeyUsage) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	if usage == x509.ExtKeyUsageServerAuth {
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestTLS(t *testing.T) {
	ca := newTestCA(t, "stance test CA")
	other := newTestCA(t, "another CA")
	serverCert := ca.issue(t, "stance server", 2, x509.ExtKeyUsageServerAuth)
	clientCert := ca.issue(t, "stance client", 3, x509.ExtKeyUsageClientAuth)
	strangerCert := other.issue(t, "stranger", 2, x509.ExtKeyUsageClientAuth)

	tlsAddr, _ := testserver.Start(t, nil, server.Options{TLS: &tls.Config{
		Certificates: []tls.Certificate{serverCert}, MinVersion: tls.VersionTLS12,
	}})
	mtlsAddr, _ := testserver.Start(t, nil, server.Options{TLS: &tls.Config{
		Certificates: []tls.Certificate{serverCert}, MinVersion: tls.VersionTLS12,
		ClientCAs: ca.pool, ClientAuth: tls.RequireAndVerifyClientCert,
	}})
	trusting := func(certs ...tls.Certificate) client.Option {
		return client.WithTLSConfig(&tls.Config{RootCAs: ca.pool, Certificates: certs, MinVersion: tls.VersionTLS12})
	}
	tests := []struct {
		name     string
		addr     string
		opts     []client.Option
		wantCode codes.Code
		wantMsg  string // in the error message; transport errors vary, so some rows leave it empty
	}{
		{"TLS", tlsAddr, []client.Option{trusting()}, codes.OK, ""},
		{"TLS, plaintext client", tlsAddr, []client.Option{client.WithInsecure()}, codes.Unavailable, ""},
		{"TLS, client trusting the system roots", tlsAddr, nil, codes.Unavailable, "certificate signed by unknown authority"},
		{"TLS, client trusting another CA", tlsAddr, []client.Option{client.WithTLSConfig(&tls.Config{RootCAs: other.pool})}, codes.Unavailable, "certificate signed by unknown authority"},
		{"mutual TLS, client certificate", mtlsAddr, []client.Option{trusting(clientCert)}, codes.OK, ""},
		{"mutual TLS, no client certificate", mtlsAddr, []client.Option{trusting()}, codes.Unavailable, ""},
		{"mutual TLS, client certificate of another CA", mtlsAddr, []client.Option{trusting(strangerCert)}, codes.Unavailable, ""},
		{"mutual TLS, plaintext client", mtlsAddr, []client.Option{client.WithInsecure()}, codes.Unavailable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// No retries: a refused handshake should fail the call at once.
			c, err := client.New(tt.addr, append(tt.opts, client.WithServiceConfig(`{}`))...)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			resp, err := c.Classify(ctx, "Moscow denied any involvement.")
			if st, _ := status.FromError(err); st.Code() != tt.wantCode || !strings.Contains(st.Message(), tt.wantMsg) {
				t.Fatalf("Classify: %v, want %v with %q", err, tt.wantCode, tt.wantMsg)
			}
			if tt.wantCode == codes.OK && len(resp.GetSentences()) != 1 {
				t.Errorf("Classify: %d sentences, want 1", len(resp.GetSentences()))
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	const token = "s3cret-token"
	closed, _ := testserver.Start(t, nil, server.Options{AuthToken: token})
	public, _ := testserver.Start(t, nil, server.Options{AuthToken: token, PublicHealth: true})

	ca := newTestCA(t, "stance test CA")
	tlsAddr, _ := testserver.Start(t, nil, server.Options{AuthToken: token, TLS: &tls.Config{
		Certificates: []tls.Certificate{ca.issue(t, "stance server", 2, x509.ExtKeyUsageServerAuth)}, MinVersion: tls.VersionTLS12,
	}})

	classify := func(ctx context.Context, c *client.Client) error {
		_, err := c.Classify(ctx, "Moscow denied any involvement.")
		return err
	}
	health := func(ctx context.Context, c *client.Client) error {
		resp, err := healthpb.NewHealthClient(c.Conn()).Check(ctx, &healthpb.HealthCheckRequest{Service: server.ServiceName})
		if err == nil && resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			return status.Errorf(codes.Unknown, "health status %v, want SERVING", resp.GetStatus())
		}
		return err
	}
	reflection := func(ctx context.Context, c *client.Client) error {
		stream, err := reflectionpb.NewServerReflectionClient(c.Conn()).ServerReflectionInfo(ctx)
		if err != nil {
			return err
		}
		req := &reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}
		// A refused stream can end before Send: Send then says io.EOF and
		// Recv gives the status.
		if err := stream.Send(req); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		resp, err := stream.Recv()
		if err == nil && len(resp.GetListServicesResponse().GetService()) == 0 {
			return status.Error(codes.Unknown, "reflection lists no services")
		}
		return err
	}
	const missing, invalid = "missing bearer token: send metadata \"authorization: Bearer <token>\"", "invalid bearer token"
	plain := client.WithInsecure()
	tests := []struct {
		name     string
		addr     string
		opts     []client.Option
		call     func(context.Context, *client.Client) error
		wantCode codes.Code
		wantMsg  string
	}{
		{"no token", closed, []client.Option{plain}, classify, codes.Unauthenticated, missing},
		{"wrong token", closed, []client.Option{plain, client.WithBearerToken("guess")}, classify, codes.Unauthenticated, invalid},
		{"token with a prefix of the right one", closed, []client.Option{plain, client.WithBearerToken(token[:5])}, classify, codes.Unauthenticated, invalid},
		{"right token", closed, []client.Option{plain, client.WithBearerToken(token)}, classify, codes.OK, ""},
		{"right token over TLS", tlsAddr, []client.Option{client.WithTLSConfig(&tls.Config{RootCAs: ca.pool}), client.WithBearerToken(token)}, classify, codes.OK, ""},
		{"health without token", closed, []client.Option{plain}, health, codes.Unauthenticated, missing},
		{"health with token", closed, []client.Option{plain, client.WithBearerToken(token)}, health, codes.OK, ""},
		{"reflection without token", closed, []client.Option{plain}, reflection, codes.Unauthenticated, missing},
		{"reflection with token", closed, []client.Option{plain, client.WithBearerToken(token)}, reflection, codes.OK, ""},
		{"public health: health without token", public, []client.Option{plain}, health, codes.OK, ""},
		{"public health: reflection without token", public, []client.Option{plain}, reflection, codes.OK, ""},
		{"public health: classify still needs the token", public, []client.Option{plain}, classify, codes.Unauthenticated, missing},
		{"public health: classify with token", public, []client.Option{plain, client.WithBearerToken(token)}, classify, codes.OK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := client.New(tt.addr, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err = tt.call(ctx, c)
			if st, _ := status.FromError(err); st.Code() != tt.wantCode || !strings.Contains(st.Message(), tt.wantMsg) {
				t.Errorf("got %v, want %v with %q", err, tt.wantCode, tt.wantMsg)
			}
		})
	}
}
