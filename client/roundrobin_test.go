package client_test

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"

	"github.com/claimstance/stance/client"
	"github.com/claimstance/stance/internal/testserver"
	"github.com/claimstance/stance/server"
)

// countCalls counts the StanceService calls a server receives.
func countCalls(calls *atomic.Int64) grpc.ServerOption {
	return grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if strings.HasPrefix(info.FullMethod, "/"+server.ServiceName+"/") {
			calls.Add(1)
		}
		return handler(ctx, req)
	})
}

// TestRoundRobinOverReplicas runs three servers behind one name, as a
// headless Kubernetes Service does, and checks that the default service
// config spreads calls over all of them and keeps working when one stops.
func TestRoundRobinOverReplicas(t *testing.T) {
	const replicas = 3
	var calls [replicas]atomic.Int64
	var srvs [replicas]*server.Server
	var addrs []resolver.Address
	for i := range replicas {
		addr, srv := testserver.Start(t, nil, server.Options{GRPCOptions: []grpc.ServerOption{countCalls(&calls[i])}})
		srvs[i] = srv
		addrs = append(addrs, resolver.Address{Addr: addr})
	}
	r := manual.NewBuilderWithScheme("stance-test")
	r.InitialState(resolver.State{Addresses: addrs})
	c, err := client.New(r.Scheme()+":///stance", client.WithInsecure(), client.WithDialOptions(grpc.WithResolvers(r)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	classify := func(what string) {
		t.Helper()
		if _, err := c.Classify(ctx, "Moscow denied any involvement."); err != nil {
			t.Fatalf("Classify %s: %v", what, err)
		}
	}
	counts := func() []int64 {
		n := make([]int64, replicas)
		for i := range calls {
			n[i] = calls[i].Load()
		}
		return n
	}

	// The connections come up one by one; call until every server has
	// answered once, so that all three are in the balancer's rotation.
	const warmup = 1000
	for i := 0; slices.Contains(counts(), 0); i++ {
		if i == warmup {
			t.Fatalf("after %d calls, calls per server = %v, want every server to get some", warmup, counts())
		}
		classify("while connecting")
	}
	// Sequential calls now take turns exactly.
	before := counts()
	const n = 30
	for range n {
		classify("over three servers")
	}
	after := counts()
	for i := range replicas {
		if got := after[i] - before[i]; got != n/replicas {
			t.Errorf("server %d got %d of %d sequential calls, want %d (all calls: %v)", i, got, n, n/replicas, after)
		}
	}

	// Stop one server: calls go on to the other two.
	sctx, scancel := context.WithTimeout(ctx, 5*time.Second)
	srvs[0].Shutdown(sctx)
	scancel()
	before = counts()
	for range n {
		classify("with server 0 stopped")
	}
	after = counts()
	if got := after[0] - before[0]; got != 0 {
		t.Errorf("stopped server 0 got %d calls, want 0", got)
	}
	for i := 1; i < replicas; i++ {
		if got := after[i] - before[i]; got == 0 {
			t.Errorf("server %d got no calls after server 0 stopped (all calls: %v)", i, after)
		}
	}
	if got := after[1] - before[1] + after[2] - before[2]; got != n {
		t.Errorf("servers 1 and 2 got %d calls after server 0 stopped, want %d", got, n)
	}
}
