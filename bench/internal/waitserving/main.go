// Command waitserving waits until a gRPC server's health service reports
// SERVING and prints how many milliseconds that took since a given start
// time (Unix nanoseconds), for bench/grpc.sh's start-up figure.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:50051", "server address")
	since := flag.Int64("since", time.Now().UnixNano(), "start time, Unix nanoseconds")
	timeout := flag.Duration("timeout", 30*time.Second, "give up after this long")
	flag.Parse()
	// Retry the connection every millisecond: gRPC's default backoff waits
	// a second after the first refusal, which would swamp the figure.
	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: time.Millisecond, Multiplier: 1, MaxDelay: time.Millisecond},
			MinConnectTimeout: 50 * time.Millisecond,
		}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer conn.Close()
	h := healthpb.NewHealthClient(conn)
	deadline := time.Now().Add(*timeout)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		resp, err := h.Check(ctx, &healthpb.HealthCheckRequest{})
		cancel()
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			fmt.Printf("%.1f\n", float64(time.Now().UnixNano()-*since)/1e6)
			return
		}
		time.Sleep(time.Millisecond)
	}
	fmt.Fprintln(os.Stderr, "waitserving: not SERVING before the timeout")
	os.Exit(1)
}
