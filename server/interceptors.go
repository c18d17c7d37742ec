package server

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"strings"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/auth"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/selector"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// interceptors returns the server's interceptor chains, outermost first:
// metrics (with Options.Metrics), logging, panic recovery, requests that
// did not decode (see requestCodec), authentication,
// the concurrency limit, and the per-call accounting of observeUnary.
func (s *Server) interceptors() []grpc.ServerOption {
	opts := s.opts
	logger := logging.LoggerFunc(func(ctx context.Context, lvl logging.Level, msg string, fields ...any) {
		opts.Logger.Log(ctx, slog.Level(lvl), msg, fields...)
	})
	logOpts := []logging.Option{logging.WithLogOnEvents(logging.FinishCall)}
	recoverOpt := recovery.WithRecoveryHandlerContext(func(ctx context.Context, p any) error {
		opts.Logger.ErrorContext(ctx, "panic serving a call", "panic", fmt.Sprint(p))
		return status.Error(codes.Internal, "internal error")
	})
	var unary []grpc.UnaryServerInterceptor
	var stream []grpc.StreamServerInterceptor
	if mu, ms := s.metrics.interceptors(); mu != nil {
		unary, stream = append(unary, mu), append(stream, ms)
	}
	unary = append(unary,
		logging.UnaryServerInterceptor(logger, logOpts...),
		recovery.UnaryServerInterceptor(recoverOpt),
		s.codec.checkDecodedUnary,
	)
	stream = append(stream,
		logging.StreamServerInterceptor(logger, logOpts...),
		recovery.StreamServerInterceptor(recoverOpt),
		s.codec.checkDecodedStream,
	)
	if opts.AuthToken != "" {
		needsToken := selector.MatchFunc(func(ctx context.Context, c interceptors.CallMeta) bool {
			return !(opts.PublicHealth && isHealthOrReflection(c.Service))
		})
		unary = append(unary, selector.UnaryServerInterceptor(auth.UnaryServerInterceptor(s.authenticate), needsToken))
		stream = append(stream, selector.StreamServerInterceptor(auth.StreamServerInterceptor(s.authenticate), needsToken))
	}
	unary = append(unary, s.limitUnary, s.observeUnary)
	stream = append(stream, s.limitStream, s.observeStream)
	return []grpc.ServerOption{grpc.ChainUnaryInterceptor(unary...), grpc.ChainStreamInterceptor(stream...)}
}

func isHealthOrReflection(service string) bool {
	return service == "grpc.health.v1.Health" || strings.HasPrefix(service, "grpc.reflection.")
}

// authenticate checks the call's bearer token in constant time.
func (s *Server) authenticate(ctx context.Context) (context.Context, error) {
	token, err := auth.AuthFromMD(ctx, "bearer")
	if err != nil {
		return nil, status.Error(codes.Unauthenticated, `missing bearer token: send metadata "authorization: Bearer <token>"`)
	}
	if subtle.ConstantTimeCompare([]byte(token), []byte(s.opts.AuthToken)) != 1 {
		return nil, status.Error(codes.Unauthenticated, "invalid bearer token")
	}
	return ctx, nil
}

// acquire takes one of the MaxConcurrent call slots without waiting.
func (s *Server) acquire(fullMethod string) (release func(), err error) {
	if strings.HasPrefix(fullMethod, "/grpc.health.v1.Health/") {
		return func() {}, nil
	}
	select {
	case s.slots <- struct{}{}:
		return func() { <-s.slots }, nil
	default:
		return nil, status.Errorf(codes.ResourceExhausted,
			"server is at its limit of %d concurrent calls: retry with backoff or spread load over more replicas", s.opts.MaxConcurrent)
	}
}

func (s *Server) limitUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	release, err := s.acquire(info.FullMethod)
	if err != nil {
		return nil, err
	}
	defer release()
	return handler(ctx, req)
}

func (s *Server) limitStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	release, err := s.acquire(info.FullMethod)
	if err != nil {
		return err
	}
	defer release()
	return handler(srv, ss)
}
