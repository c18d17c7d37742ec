package server

import (
	"context"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// requestCodec is gRPC's proto codec with one difference: a stance.v1
// request that does not decode (invalid UTF-8 in a string field, malformed
// protobuf) reaches the server's interceptors empty, with its error kept
// aside, so that the call fails with INVALID_ARGUMENT naming what to fix.
// grpc-go itself answers such a request INTERNAL before any of the
// server's code runs, and logs nothing.
type requestCodec struct {
	proto  encoding.CodecV2
	failed sync.Map // request message -> decoding error; taken by take
}

func newRequestCodec() *requestCodec {
	return &requestCodec{proto: encoding.GetCodecV2("proto")}
}

func (c *requestCodec) Name() string { return c.proto.Name() }

func (c *requestCodec) Marshal(v any) (mem.BufferSlice, error) { return c.proto.Marshal(v) }

func (c *requestCodec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.proto.Unmarshal(data, v)
	m, ok := v.(proto.Message)
	if err == nil || !ok || !strings.HasPrefix(string(m.ProtoReflect().Descriptor().FullName()), "stance.v1.") {
		return err
	}
	proto.Reset(m)
	c.failed.Store(v, err)
	return nil
}

// take returns the INVALID_ARGUMENT status for req if it did not decode.
func (c *requestCodec) take(req any) error {
	err, ok := c.failed.LoadAndDelete(req)
	if !ok {
		return nil
	}
	return status.Errorf(codes.InvalidArgument, "request does not decode: %v: send a valid protobuf message, with text in UTF-8", err)
}

// checkDecodedUnary fails calls whose request did not decode. It must run
// before any interceptor that can end a call, so that every kept error is
// taken.
func (c *requestCodec) checkDecodedUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := c.take(req); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

// checkDecodedStream fails a stream's Recv when its message did not decode.
func (c *requestCodec) checkDecodedStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	return handler(srv, &checkedStream{ServerStream: ss, codec: c})
}

type checkedStream struct {
	grpc.ServerStream
	codec *requestCodec
}

func (s *checkedStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return s.codec.take(m)
}
