package client_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/claimstance/stance/client"
	"github.com/claimstance/stance/internal/testserver"
	stancev1 "github.com/claimstance/stance/proto/stance/v1"
	"github.com/claimstance/stance/server"
)

// failFirst answers the first n calls with UNAVAILABLE and counts calls.
func failFirst(n int32, calls *atomic.Int32) grpc.ServerOption {
	return grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if calls.Add(1) <= n {
			return nil, status.Error(codes.Unavailable, "warming up")
		}
		return handler(ctx, req)
	})
}

func TestDefaultServiceConfigRetriesUnavailable(t *testing.T) {
	var calls atomic.Int32
	addr, _ := testserver.Start(t, nil, server.Options{GRPCOptions: []grpc.ServerOption{failFirst(2, &calls)}})
	c, err := client.New(addr, client.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.Classify(ctx, "Moscow denied any involvement.")
	if err != nil {
		t.Fatalf("Classify after two UNAVAILABLE answers: %v, want success on the third attempt", err)
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("server saw %d attempts, want 3", got)
	}
	if len(resp.GetSentences()) != 1 {
		t.Errorf("Classify: %d sentences, want 1", len(resp.GetSentences()))
	}
}

func TestNoRetryWithoutPolicy(t *testing.T) {
	var calls atomic.Int32
	addr, _ := testserver.Start(t, nil, server.Options{GRPCOptions: []grpc.ServerOption{failFirst(1, &calls)}})
	c, err := client.New(addr, client.WithInsecure(), client.WithServiceConfig(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Classify(context.Background(), "Moscow denied any involvement.")
	if status.Code(err) != codes.Unavailable || calls.Load() != 1 {
		t.Errorf("Classify with an empty service config: %v after %d attempts, want UNAVAILABLE after 1", err, calls.Load())
	}
}

func TestClassifyStreamStopsOnCallbackError(t *testing.T) {
	addr, _ := testserver.Start(t, nil, server.Options{})
	c, err := client.New(addr, client.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	docs := func(yield func(string, string) bool) {
		for i := 0; i < 1000; i++ {
			if !yield("id", "Beijing rejected the charges.") {
				return
			}
		}
	}
	stop := context.Canceled
	n := 0
	err = c.ClassifyStream(context.Background(), docs, func(id string, _ *stancev1.ClassifyResponse) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if err != stop || n != 3 {
		t.Errorf("ClassifyStream: err %v after %d responses, want the callback's error after 3", err, n)
	}
}
