// Package client is a Go client for the Stance gRPC service.
//
//	c, err := client.New("127.0.0.1:50051", client.WithInsecure())
//	if err != nil { ... }
//	defer c.Close()
//	resp, err := c.Classify(ctx, "Moscow denied any involvement.")
//
// A Client is safe for concurrent use; make one per target and share it.
package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"iter"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	stancev1 "github.com/claimstance/stance/proto/stance/v1"
)

// MaxResponseBytes is the largest response a Client accepts (gRPC's
// default is 4 MiB, too small for a large batch with evidence).
const MaxResponseBytes = 64 << 20

// Client calls a Stance server.
type Client struct {
	conn *grpc.ClientConn
	stub stancev1.StanceServiceClient
}

// New returns a client for target, a gRPC target such as "127.0.0.1:50051"
// or "dns:///stance.example.svc:50051". It does not connect until the first
// call.
func New(target string, opts ...Option) (*Client, error) {
	cfg := config{serviceConfig: DefaultServiceConfig}
	for _, o := range opts {
		o(&cfg)
	}
	creds := insecure.NewCredentials()
	if !cfg.insecure {
		tc := cfg.tls
		if tc == nil {
			tc = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		creds = credentials.NewTLS(tc)
	}
	dialOpts := append([]grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithDefaultServiceConfig(cfg.serviceConfig),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxResponseBytes)),
	}, cfg.dialOptions...)
	if cfg.token != "" {
		dialOpts = append(dialOpts, grpc.WithPerRPCCredentials(tokenCredentials{token: cfg.token, secure: !cfg.insecure}))
	}
	conn, err := grpc.NewClient(target, dialOpts...)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	return &Client{conn: conn, stub: stancev1.NewStanceServiceClient(conn)}, nil
}

// Close closes the connection. Calls in flight fail.
func (c *Client) Close() error { return c.conn.Close() }

// Conn returns the underlying connection, for other services on the same
// server (health, reflection).
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// ClassifyOption adjusts one classification.
type ClassifyOption func(*stancev1.ClassifyRequest)

// Whole labels the whole text as one sentence (SPLIT_NONE).
func Whole() ClassifyOption {
	return func(r *stancev1.ClassifyRequest) { r.Split = stancev1.Split_SPLIT_NONE }
}

// Explain asks for up to k evidence features per sentence.
func Explain(k int) ClassifyOption {
	return func(r *stancev1.ClassifyRequest) { r.ExplainTopK = uint32(max(k, 0)) }
}

func newRequest(text string, opts []ClassifyOption) *stancev1.ClassifyRequest {
	r := &stancev1.ClassifyRequest{Text: text}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Classify labels every sentence of text.
func (c *Client) Classify(ctx context.Context, text string, opts ...ClassifyOption) (*stancev1.ClassifyResponse, error) {
	return c.stub.Classify(ctx, newRequest(text, opts))
}

// ClassifyBatch labels several texts in one call; the responses are in the
// order of texts.
func (c *Client) ClassifyBatch(ctx context.Context, texts []string, opts ...ClassifyOption) ([]*stancev1.ClassifyResponse, error) {
	req := &stancev1.ClassifyBatchRequest{Requests: make([]*stancev1.ClassifyRequest, len(texts))}
	for i, t := range texts {
		req.Requests[i] = newRequest(t, opts)
	}
	resp, err := c.stub.ClassifyBatch(ctx, req)
	if err != nil {
		return nil, err
	}
	return resp.GetResponses(), nil
}

// ClassifyStream labels a sequence of (id, text) documents over one
// stream, calling fn with each id and response in input order while later
// documents are still being sent. It returns the first error of the stream
// or of fn; an error from fn cancels the stream.
func (c *Client) ClassifyStream(ctx context.Context, docs iter.Seq2[string, string], fn func(id string, resp *stancev1.ClassifyResponse) error, opts ...ClassifyOption) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.stub.ClassifyStream(ctx)
	if err != nil {
		return err
	}
	sendErr := make(chan error, 1)
	go func() {
		for id, text := range docs {
			if err := stream.Send(&stancev1.ClassifyStreamRequest{Id: id, Request: newRequest(text, opts)}); err != nil {
				sendErr <- err // the real error comes from Recv
				return
			}
		}
		sendErr <- stream.CloseSend()
	}()
	for {
		resp, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return <-sendErr
		}
		if err != nil {
			return err
		}
		if err := fn(resp.GetId(), resp.GetResponse()); err != nil {
			return err
		}
	}
}

// Tokenize returns the tokens the server's model reads in text.
func (c *Client) Tokenize(ctx context.Context, text string) ([]*stancev1.Token, error) {
	resp, err := c.stub.Tokenize(ctx, &stancev1.TokenizeRequest{Text: text})
	if err != nil {
		return nil, err
	}
	return resp.GetTokens(), nil
}

// ReloadModel asks the server to load its model file again (the admin
// service; it needs WithBearerToken) and returns the versions before and after.
func (c *Client) ReloadModel(ctx context.Context) (previous, current string, err error) {
	resp, err := stancev1.NewAdminServiceClient(c.conn).ReloadModel(ctx, &stancev1.ReloadModelRequest{})
	if err != nil {
		return "", "", err
	}
	return resp.GetPreviousVersion(), resp.GetVersion(), nil
}

// ModelInfo describes the server's model.
func (c *Client) ModelInfo(ctx context.Context) (*stancev1.GetModelInfoResponse, error) {
	return c.stub.GetModelInfo(ctx, &stancev1.GetModelInfoRequest{})
}
