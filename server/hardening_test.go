package server_test

// Hardening tests: bad input, deadlines, the concurrency limit, hot model
// reload and graceful shutdown, all over real gRPC on loopback.
//
// What each bad input gets (TestBadInput; server with default Options:
// 1 MiB text, 256 requests a batch, 5000 sentences, 16 MiB messages,
// explain_top_k at most 50):
//
//	input                                          status              message says
//	---------------------------------------------  ------------------  ----------------------------------------------
//	empty text                                     INVALID_ARGUMENT    text is empty or blank: send the text to classify
//	whitespace only (ASCII and Unicode spaces)     INVALID_ARGUMENT    text is empty or blank
//	text over --max-text-bytes (1 MiB + 1)         INVALID_ARGUMENT    1048577 bytes is over the limit of 1048576 bytes
//	message over --max-message-bytes (16 MiB text) RESOURCE_EXHAUSTED  grpc: received message larger than max (16777221 vs. 16777216)
//	more than --max-sentences sentences            INVALID_ARGUMENT    5001 sentences is over the limit of 5000
//	batch over --max-batch-size (257)              INVALID_ARGUMENT    257 requests is over the limit of 256 requests
//	blank text inside a batch                      INVALID_ARGUMENT    requests[1].text: text is empty or blank
//	200 KB of words, no punctuation (split)        OK                  one sentence, truncated
//	200 KB of words, no punctuation (SPLIT_NONE)   OK                  one sentence, truncated
//	200 KB single word, no space or punctuation    OK                  one sentence, not truncated (it is one [UNK] token)
//	NUL bytes; only NUL bytes                      OK                  offsets on the text, NULs kept in sentence text
//	C0/C1 control characters, DEL, ANSI escapes    OK
//	zero-width characters; only zero-width         OK
//	bidi overrides and isolates                    OK
//	emoji (ZWJ sequences, flags, skin tones)       OK
//	CJK (Chinese, Japanese, Korean)                OK
//	right-to-left scripts (Arabic, Hebrew)         OK
//	combining marks (one base, 300 marks)          OK
//	invalid UTF-8 in text (raw client)             INVALID_ARGUMENT    request does not decode: string field contains invalid UTF-8: send a valid protobuf message, with text in UTF-8
//	invalid UTF-8 inside a batch (raw client)      INVALID_ARGUMENT    same
//	invalid UTF-8 over ClassifyStream (raw)        INVALID_ARGUMENT    same
//	malformed protobuf (raw client)                INVALID_ARGUMENT    request does not decode: ...
//	unknown field number (raw client)              OK                  ignored, as proto3 does
//	unknown split enum value (7, -1)               INVALID_ARGUMENT    split: unknown split 7: use SPLIT_SENTENCES or SPLIT_NONE
//	explain_top_k 51, 4294967295                   INVALID_ARGUMENT    51 features is over the limit of 50 features: ask for fewer features
//	Tokenize text over --max-text-bytes            INVALID_ARGUMENT    1048577 bytes is over the limit of 1048576 bytes
//	Tokenize answer over the client's 4 MiB        RESOURCE_EXHAUSTED  grpc: received message larger than max (client side)
//
// grpc-go itself would answer INTERNAL for requests that do not decode; the
// server's codec (server/codec.go) turns that into INVALID_ARGUMENT. The
// server keeps serving after every row.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/claimstance/stance/classifier"
	"github.com/claimstance/stance/client"
	"github.com/claimstance/stance/internal/testserver"
	"github.com/claimstance/stance/models"
	stancev1 "github.com/claimstance/stance/proto/stance/v1"
	"github.com/claimstance/stance/server"
)

const (
	methodClassify       = "/stance.v1.StanceService/Classify"
	methodClassifyBatch  = "/stance.v1.StanceService/ClassifyBatch"
	methodClassifyStream = "/stance.v1.StanceService/ClassifyStream"
)

// rawCodec sends request bytes the test builds by hand and returns the
// response bytes undecoded, so that a test can send what no generated
// client would. Its name is "proto" so that the server decodes as usual.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *v.(*[]byte), nil }

func (rawCodec) Unmarshal(data []byte, v any) error {
	*v.(*[]byte) = slices.Clone(data)
	return nil
}

func (rawCodec) Name() string { return "proto" }

// invokeRaw calls a unary method with hand-built request bytes and decodes
// the answer into resp.
func invokeRaw(ctx context.Context, conn *grpc.ClientConn, method string, req []byte, resp proto.Message) error {
	var out []byte
	if err := conn.Invoke(ctx, method, &req, &out, grpc.ForceCodec(rawCodec{})); err != nil {
		return err
	}
	return proto.Unmarshal(out, resp)
}

// wireText encodes a ClassifyRequest whose text field holds the given
// bytes, valid UTF-8 or not.
func wireText(text string) []byte {
	b := protowire.AppendTag(nil, 1, protowire.BytesType)
	return protowire.AppendString(b, text)
}

// wireBatch encodes a ClassifyBatchRequest of the given encoded requests.
func wireBatch(reqs ...[]byte) []byte {
	var b []byte
	for _, r := range reqs {
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, r)
	}
	return b
}

// checkSentences checks a response's sentences against the request text:
// in order, inside the text, on UTF-8 boundaries, each sentence's text
// being the text between its offsets, scores well formed.
func checkSentences(t *testing.T, text string, resp *stancev1.ClassifyResponse) {
	t.Helper()
	if len(resp.GetSentences()) == 0 {
		t.Fatalf("no sentences for a text of %d bytes", len(text))
	}
	prevEnd := 0
	for i, s := range resp.GetSentences() {
		start, end := int(s.GetStart()), int(s.GetEnd())
		if start < prevEnd || end < start || end > len(text) {
			t.Fatalf("sentence %d: offsets [%d,%d) out of order or outside the text (previous end %d, length %d)", i, start, end, prevEnd, len(text))
		}
		if !onBoundary(text, start) || !onBoundary(text, end) {
			t.Errorf("sentence %d: offsets [%d,%d) not on UTF-8 boundaries", i, start, end)
		}
		if s.GetText() != text[start:end] {
			t.Errorf("sentence %d: text %q, want text[%d:%d] = %q", i, clip(s.GetText()), start, end, clip(text[start:end]))
		}
		if s.GetStance() == stancev1.Stance_STANCE_UNSPECIFIED {
			t.Errorf("sentence %d: no stance", i)
		}
		checkScores(t, s)
		prevEnd = end
	}
}

func onBoundary(text string, i int) bool { return i == len(text) || utf8.RuneStart(text[i]) }

// clip shortens long texts in failure messages.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// wordsNoPunctuation returns n bytes of words with no punctuation at all.
func wordsNoPunctuation(n int) string {
	const phrase = "hackers linked to the military intelligence service breached the networks of the ministry and stole "
	return strings.TrimSpace(strings.Repeat(phrase, n/len(phrase)+1)[:n])
}

func TestBadInput(t *testing.T) {
	addr, _ := testserver.Start(t, nil, server.Options{})
	conn := dial(t, addr)
	c := stancev1.NewStanceServiceClient(conn)

	classify := func(req *stancev1.ClassifyRequest) func(context.Context) (*stancev1.ClassifyResponse, error) {
		return func(ctx context.Context) (*stancev1.ClassifyResponse, error) { return c.Classify(ctx, req) }
	}
	batch := func(texts ...string) func(context.Context) (*stancev1.ClassifyResponse, error) {
		return func(ctx context.Context) (*stancev1.ClassifyResponse, error) {
			req := &stancev1.ClassifyBatchRequest{}
			for _, tx := range texts {
				req.Requests = append(req.Requests, &stancev1.ClassifyRequest{Text: tx})
			}
			_, err := c.ClassifyBatch(ctx, req)
			return nil, err
		}
	}
	raw := func(method string, req []byte) func(context.Context) (*stancev1.ClassifyResponse, error) {
		return func(ctx context.Context) (*stancev1.ClassifyResponse, error) {
			resp := &stancev1.ClassifyResponse{}
			if method != methodClassify {
				var out stancev1.ClassifyBatchResponse
				return nil, invokeRaw(ctx, conn, method, req, &out)
			}
			if err := invokeRaw(ctx, conn, method, req, resp); err != nil {
				return nil, err
			}
			return resp, nil
		}
	}
	rawStream := func(req []byte) func(context.Context) (*stancev1.ClassifyResponse, error) {
		return func(ctx context.Context) (*stancev1.ClassifyResponse, error) {
			desc := &grpc.StreamDesc{ClientStreams: true, ServerStreams: true}
			st, err := conn.NewStream(ctx, desc, methodClassifyStream, grpc.ForceCodec(rawCodec{}))
			if err != nil {
				return nil, err
			}
			item := protowire.AppendTag(nil, 1, protowire.BytesType)
			item = protowire.AppendString(item, "doc-1")
			item = protowire.AppendTag(item, 2, protowire.BytesType)
			item = protowire.AppendBytes(item, req)
			if err := st.SendMsg(&item); err != nil && !errors.Is(err, io.EOF) { // io.EOF: RecvMsg has the status
				return nil, fmt.Errorf("SendMsg: %w", err)
			}
			var out []byte
			return nil, st.RecvMsg(&out)
		}
	}
	tokenize := func(text string) func(context.Context) (*stancev1.ClassifyResponse, error) {
		return func(ctx context.Context) (*stancev1.ClassifyResponse, error) {
			_, err := c.Tokenize(ctx, &stancev1.TokenizeRequest{Text: text})
			return nil, err
		}
	}

	long := wordsNoPunctuation(200 << 10)
	longWord := strings.Repeat("x", 200<<10)
	zalgo := "Z" + strings.Repeat("\u0301\u0308\u0327\u0352\u036f", 60) + " denied it."
	tests := []struct {
		name string
		call func(context.Context) (*stancev1.ClassifyResponse, error)
		// For answered calls: the request text, the sentence count (0:
		// any) and whether some sentence is truncated.
		text          string
		wantSentences int
		wantTruncated bool
		wantCode      codes.Code
		wantMsg       string
		timeout       time.Duration // bound on the call; 0 means 5s
	}{
		{name: "empty text", call: classify(&stancev1.ClassifyRequest{}),
			wantCode: codes.InvalidArgument, wantMsg: "text: text is empty or blank: send the text to classify"},
		{name: "whitespace only", call: classify(&stancev1.ClassifyRequest{Text: " \t\r\n\v\f\u00a0\u0085\u1680\u2000\u2028\u2029\u202f\u3000 "}),
			wantCode: codes.InvalidArgument, wantMsg: "text is empty or blank"},
		{name: "text over the size limit", call: classify(&stancev1.ClassifyRequest{Text: strings.Repeat("a", 1<<20+1)}),
			wantCode: codes.InvalidArgument, wantMsg: "text: 1048577 bytes is over the limit of 1048576 bytes: split the text into smaller requests"},
		{name: "message over the message size limit", call: classify(&stancev1.ClassifyRequest{Text: strings.Repeat("a", 16<<20)}),
			wantCode: codes.ResourceExhausted, wantMsg: "grpc: received message larger than max"},
		{name: "too many sentences", call: classify(&stancev1.ClassifyRequest{Text: strings.Repeat("Moscow denied it. ", 5001)}),
			wantCode: codes.InvalidArgument, wantMsg: "text: 5001 sentences is over the limit of 5000 sentences"},
		{name: "batch over the limit", call: batch(slices.Repeat([]string{"Moscow denied it."}, 257)...),
			wantCode: codes.InvalidArgument, wantMsg: "requests: 257 requests is over the limit of 256 requests: split the batch into smaller ones"},
		{name: "blank text inside a batch", call: batch("Moscow denied it.", " \n "),
			wantCode: codes.InvalidArgument, wantMsg: "requests[1].text: text is empty or blank"},
		{name: "200 KB without punctuation, split into sentences", call: classify(&stancev1.ClassifyRequest{Text: long}),
			text: long, wantSentences: 1, wantTruncated: true},
		{name: "200 KB without punctuation, SPLIT_NONE, explained", call: classify(&stancev1.ClassifyRequest{Text: long, Split: stancev1.Split_SPLIT_NONE, ExplainTopK: 50}),
			text: long, wantSentences: 1, wantTruncated: true},
		{name: "200 KB single word", call: classify(&stancev1.ClassifyRequest{Text: longWord}),
			text: longWord, wantSentences: 1},
		{name: "NUL bytes", call: classify(&stancev1.ClassifyRequest{Text: "Moscow\x00denied\x00 the report. \x00Beijing\x00 rejected it.\x00"}),
			text: "Moscow\x00denied\x00 the report. \x00Beijing\x00 rejected it.\x00", wantSentences: 2},
		{name: "only NUL bytes", call: classify(&stancev1.ClassifyRequest{Text: "\x00\x00\x00"}),
			text: "\x00\x00\x00", wantSentences: 1},
		{name: "control characters", call: classify(&stancev1.ClassifyRequest{Text: "Moscow\x01\x02 denied\x1b[31m the\x7f report.\x1b[0m\vIt\f called\u0085 it\u0080\u009f absurd."}),
			text: "Moscow\x01\x02 denied\x1b[31m the\x7f report.\x1b[0m\vIt\f called\u0085 it\u0080\u009f absurd."},
		{name: "zero-width characters", call: classify(&stancev1.ClassifyRequest{Text: "Mos\u200bcow de\u200cnied\u200d it.\u2060 \ufeffBeijing rejected\u200b the claims."}),
			text: "Mos\u200bcow de\u200cnied\u200d it.\u2060 \ufeffBeijing rejected\u200b the claims."},
		{name: "only zero-width characters", call: classify(&stancev1.ClassifyRequest{Text: "\u200b\u200c\u200d\u2060\ufeff"}),
			text: "\u200b\u200c\u200d\u2060\ufeff", wantSentences: 1},
		{name: "bidi overrides and isolates", call: classify(&stancev1.ClassifyRequest{Text: "\u202eMoscow denied it.\u202c \u2066Beijing\u2069 rejected \u202d\u202a\u202b the claims\u202c. \u2067\u2068Tehran\u2069 too."}),
			text: "\u202eMoscow denied it.\u202c \u2066Beijing\u2069 rejected \u202d\u202a\u202b the claims\u202c. \u2067\u2068Tehran\u2069 too."},
		{name: "emoji", call: classify(&stancev1.ClassifyRequest{Text: "Hackers 👩‍💻 breached the grid 🇺🇦🔌. Moscow denied it 🙅🏽‍♂️! Sanctions followed ✅\ufe0f. 🏴‍☠️"}),
			text: "Hackers 👩‍💻 breached the grid 🇺🇦🔌. Moscow denied it 🙅🏽‍♂️! Sanctions followed ✅\ufe0f. 🏴‍☠️"},
		{name: "CJK", call: classify(&stancev1.ClassifyRequest{Text: "中国外交部否认了这些指控。美国财政部宣布制裁。 北朝鮮のハッカー集団が暗号資産を盗んだ。 북한 해커들이 암호화폐를 훔쳤다."}),
			text: "中国外交部否认了这些指控。美国财政部宣布制裁。 北朝鮮のハッカー集団が暗号資産を盗んだ。 북한 해커들이 암호화폐를 훔쳤다."},
		{name: "right-to-left scripts", call: classify(&stancev1.ClassifyRequest{Text: "نفت موسكو أي تورط في الهجوم. הממשלה הטילה סנקציות על הקבוצה. Tehran denied it."}),
			text: "نفت موسكو أي تورط في الهجوم. הממשלה הטילה סנקציות על הקבוצה. Tehran denied it."},
		{name: "combining marks", call: classify(&stancev1.ClassifyRequest{Text: "Mosco\u0301w de\u0301\u0302\u0303nied it. " + zalgo}),
			text: "Mosco\u0301w de\u0301\u0302\u0303nied it. " + zalgo},
		{name: "invalid UTF-8 in text", call: raw(methodClassify, wireText("Moscow \xff\xfe denied \xc3 it.")),
			wantCode: codes.InvalidArgument, wantMsg: "request does not decode: string field contains invalid UTF-8: send a valid protobuf message, with text in UTF-8"},
		{name: "invalid UTF-8 inside a batch", call: raw(methodClassifyBatch, wireBatch(wireText("Moscow denied it."), wireText("\xed\xa0\x80 surrogate"))),
			wantCode: codes.InvalidArgument, wantMsg: "string field contains invalid UTF-8"},
		{name: "invalid UTF-8 over a stream", call: rawStream(wireText("overlong \xc0\xaf slash")),
			wantCode: codes.InvalidArgument, wantMsg: "string field contains invalid UTF-8"},
		{name: "malformed protobuf", call: raw(methodClassify, append(protowire.AppendTag(nil, 1, protowire.BytesType), 50, 'a')),
			wantCode: codes.InvalidArgument, wantMsg: "request does not decode"},
		{name: "unknown field number", call: raw(methodClassify, protowire.AppendVarint(protowire.AppendTag(wireText("Moscow denied it."), 99, protowire.VarintType), 1)),
			text: "Moscow denied it.", wantSentences: 1},
		{name: "unknown split 7", call: classify(&stancev1.ClassifyRequest{Text: "Moscow denied it.", Split: 7}),
			wantCode: codes.InvalidArgument, wantMsg: "split: unknown split 7: use SPLIT_SENTENCES or SPLIT_NONE"},
		{name: "unknown split -1", call: classify(&stancev1.ClassifyRequest{Text: "Moscow denied it.", Split: -1}),
			wantCode: codes.InvalidArgument, wantMsg: "split: unknown split -1"},
		{name: "explain_top_k 51", call: classify(&stancev1.ClassifyRequest{Text: "Moscow denied it.", ExplainTopK: 51}),
			wantCode: codes.InvalidArgument, wantMsg: "explain_top_k: 51 features is over the limit of 50 features: ask for fewer features"},
		{name: "explain_top_k max uint32", call: classify(&stancev1.ClassifyRequest{Text: "Moscow denied it.", ExplainTopK: math.MaxUint32}),
			wantCode: codes.InvalidArgument, wantMsg: "explain_top_k: 4294967295 features is over the limit of 50"},
		{name: "Tokenize text over the size limit", call: tokenize(strings.Repeat("a", 1<<20+1)),
			wantCode: codes.InvalidArgument, wantMsg: "text: 1048577 bytes is over the limit of 1048576 bytes: send a shorter text"},
		{name: "Tokenize answer over the client's receive limit", call: tokenize(strings.Repeat("a ", 280_000)),
			wantCode: codes.ResourceExhausted, wantMsg: "grpc: received message larger than max", timeout: 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The bound on time: every row is answered within a few seconds.
			timeout := cmp.Or(tt.timeout, 5*time.Second)
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			resp, err := tt.call(ctx)
			st, _ := status.FromError(err)
			t.Logf("%v %q", st.Code(), clip(st.Message()))
			if st.Code() != tt.wantCode || !strings.Contains(st.Message(), tt.wantMsg) {
				t.Errorf("got status %v %q, want %v with %q", st.Code(), clip(st.Message()), tt.wantCode, tt.wantMsg)
			}
			if err == nil && tt.wantCode == codes.OK && resp != nil {
				checkSentences(t, tt.text, resp)
				if tt.wantSentences > 0 && len(resp.GetSentences()) != tt.wantSentences {
					t.Errorf("%d sentences, want %d", len(resp.GetSentences()), tt.wantSentences)
				}
				truncated := slices.ContainsFunc(resp.GetSentences(), (*stancev1.Sentence).GetTruncated)
				if truncated != tt.wantTruncated {
					t.Errorf("some sentence truncated: %v, want %v", truncated, tt.wantTruncated)
				}
				for _, s := range resp.GetSentences() {
					if n := len(s.GetEvidence()); n > 50 {
						t.Errorf("%d evidence features, want at most 50", n)
					}
				}
			}
			// The server keeps serving.
			if _, err := c.Classify(ctx, &stancev1.ClassifyRequest{Text: "Moscow denied it."}); err != nil {
				t.Errorf("Classify after this row: %v, want the server still serving", err)
			}
		})
	}
}

// gate holds calls to one method inside the server, after its own
// interceptors (so holding a concurrency slot), until released: calls in
// flight on demand, without timing.
type gate struct {
	method  string
	entered chan struct{} // one element per call let in
	release chan struct{} // closed to let every held call go on
}

func newGate(method string) *gate {
	return &gate{method: method, entered: make(chan struct{}, 64), release: make(chan struct{})}
}

func (g *gate) option() grpc.ServerOption {
	return grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if info.FullMethod == g.method {
			g.entered <- struct{}{}
			select {
			case <-g.release:
			case <-ctx.Done():
				return nil, status.FromContextError(ctx.Err()).Err()
			}
		}
		return handler(ctx, req)
	})
}

// wait waits until n calls are held.
func (g *gate) wait(t *testing.T, ctx context.Context, n int) {
	t.Helper()
	for range n {
		select {
		case <-g.entered:
		case <-ctx.Done():
			t.Fatalf("waiting for %d calls to %s: %v", n, g.method, ctx.Err())
		}
	}
}

// handlerOutcome is how a server handler ended.
type handlerOutcome struct {
	code codes.Code
	took time.Duration
}

// observe reports, for calls to method, how the handler itself ended.
func observe(method string, out chan<- handlerOutcome) []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
			if info.FullMethod != method {
				return handler(ctx, req)
			}
			start := time.Now()
			resp, err := handler(ctx, req)
			out <- handlerOutcome{status.Code(err), time.Since(start)}
			return resp, err
		}),
		grpc.ChainStreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
			if info.FullMethod != method {
				return handler(srv, ss)
			}
			start := time.Now()
			err := handler(srv, ss)
			out <- handlerOutcome{status.Code(err), time.Since(start)}
			return err
		}),
	}
}

// bigBatch returns a batch of n texts of about 16 KB, each of four
// thousand short sentences explained with the most evidence: about a
// second of work without the race detector, ten with it.
func bigBatch(n int) *stancev1.ClassifyBatchRequest {
	req := &stancev1.ClassifyBatchRequest{}
	text := strings.Repeat("No. ", 4000)
	for range n {
		req.Requests = append(req.Requests, &stancev1.ClassifyRequest{Text: text, ExplainTopK: 50})
	}
	return req
}

func TestDeadlineStopsBatch(t *testing.T) {
	t.Run("client deadline", func(t *testing.T) {
		addr, _ := testserver.Start(t, nil, server.Options{})
		conn := dial(t, addr)
		ctx := ctxTimeout(t)
		payload, err := proto.Marshal(bigBatch(256)) // encoded before the clock starts
		if err != nil {
			t.Fatal(err)
		}
		dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		var resp stancev1.ClassifyBatchResponse
		if err := invokeRaw(dctx, conn, methodClassifyBatch, payload, &resp); status.Code(err) != codes.DeadlineExceeded {
			t.Fatalf("ClassifyBatch of 256 texts with a 50ms deadline: %v, want DeadlineExceeded", err)
		}
		if _, err := stancev1.NewStanceServiceClient(conn).Classify(ctx, &stancev1.ClassifyRequest{Text: "Moscow denied it."}); err != nil {
			t.Errorf("Classify after the batch ran out of time: %v, want the server still serving", err)
		}
	})

	// Whether the handler gets to run before a 50ms client deadline depends
	// on how fast 4 MB cross loopback (300ms under the race detector), so
	// here the deadline starts when the handler does: the same context
	// deadline gRPC sets from a client's grpc-timeout.
	t.Run("handler stops", func(t *testing.T) {
		outcomes := make(chan handlerOutcome, 1)
		deadline := grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
			ctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			return handler(ctx, req)
		})
		opts := append([]grpc.ServerOption{deadline}, observe(methodClassifyBatch, outcomes)...)
		addr, _ := testserver.Start(t, nil, server.Options{GRPCOptions: opts})
		conn := dial(t, addr)
		c := stancev1.NewStanceServiceClient(conn)
		ctx := ctxTimeout(t)
		if _, err := c.ClassifyBatch(ctx, bigBatch(256)); status.Code(err) != codes.DeadlineExceeded {
			t.Fatalf("ClassifyBatch of 256 texts with a 50ms deadline: %v, want DeadlineExceeded", err)
		}
		// The handler answers OK only after classifying every text; it ends
		// with DeadlineExceeded only when it saw the deadline and stopped.
		o := <-outcomes
		if o.code != codes.DeadlineExceeded {
			t.Errorf("server handler ended with %v after %v, want DeadlineExceeded (it should stop, not finish the batch)", o.code, o.took)
		}
		t.Logf("server handler stopped %v after it started", o.took)
		if _, err := c.Classify(ctx, &stancev1.ClassifyRequest{Text: "Moscow denied it."}); err != nil {
			t.Errorf("Classify after the batch ran out of time: %v, want the server still serving", err)
		}
	})
}

func TestCancelledStreamStops(t *testing.T) {
	outcomes := make(chan handlerOutcome, 1)
	addr, _ := testserver.Start(t, nil, server.Options{GRPCOptions: observe(methodClassifyStream, outcomes)})
	conn := dial(t, addr)
	ctx := ctxTimeout(t)
	sctx, cancel := context.WithCancel(ctx)
	stream, err := stancev1.NewStanceServiceClient(conn).ClassifyStream(sctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&stancev1.ClassifyStreamRequest{Id: "1", Request: &stancev1.ClassifyRequest{Text: "Moscow denied it."}}); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if _, err := stream.Recv(); err != nil {
		t.Fatalf("Recv: %v", err)
	}
	cancel()
	select {
	case o := <-outcomes:
		if o.code != codes.Canceled {
			t.Errorf("server stream handler ended with %v, want Canceled", o.code)
		}
	case <-ctx.Done():
		t.Fatalf("the server stream handler did not stop after the client cancelled: %v", ctx.Err())
	}
}

func TestConcurrencyLimit(t *testing.T) {
	g := newGate(methodClassify)
	addr, _ := testserver.Start(t, nil, server.Options{MaxConcurrent: 1, GRPCOptions: []grpc.ServerOption{g.option()}})
	conn := dial(t, addr)
	c := stancev1.NewStanceServiceClient(conn)
	ctx := ctxTimeout(t)

	held := make(chan error, 1)
	go func() {
		resp, err := c.Classify(ctx, &stancev1.ClassifyRequest{Text: "Moscow denied it. Beijing too."})
		if err == nil && len(resp.GetSentences()) != 2 {
			err = fmt.Errorf("%d sentences, want 2", len(resp.GetSentences()))
		}
		held <- err
	}()
	g.wait(t, ctx, 1)

	const wantMsg = "server is at its limit of 1 concurrent calls: retry with backoff"
	calls := []struct {
		name string
		call func() error
	}{
		{"Classify", func() error {
			_, err := c.Classify(ctx, &stancev1.ClassifyRequest{Text: "Moscow denied it."})
			return err
		}},
		{"GetModelInfo", func() error { _, err := c.GetModelInfo(ctx, &stancev1.GetModelInfoRequest{}); return err }},
		{"ClassifyStream", func() error {
			s, err := c.ClassifyStream(ctx)
			if err != nil {
				return err
			}
			_, err = s.Recv()
			return err
		}},
	}
	for _, cl := range calls {
		err := cl.call()
		if st, _ := status.FromError(err); st.Code() != codes.ResourceExhausted || !strings.Contains(st.Message(), wantMsg) {
			t.Errorf("%s while the one slot is held: %v, want ResourceExhausted with %q", cl.name, err, wantMsg)
		}
	}
	hresp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: server.ServiceName})
	if err != nil || hresp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("Health.Check while the one slot is held = %v, %v; want SERVING", hresp, err)
	}

	close(g.release)
	if err := <-held; err != nil {
		t.Errorf("held Classify: %v", err)
	}
	if _, err := c.Classify(ctx, &stancev1.ClassifyRequest{Text: "Moscow denied it."}); err != nil {
		t.Errorf("Classify after the slot is free: %v", err)
	}

	// An open stream holds its slot for as long as it lasts.
	s, err := c.ClassifyStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(&stancev1.ClassifyStreamRequest{Id: "a", Request: &stancev1.ClassifyRequest{Text: "Moscow denied it."}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recv(); err != nil {
		t.Fatalf("stream Recv: %v", err)
	}
	if _, err := c.Classify(ctx, &stancev1.ClassifyRequest{Text: "Moscow denied it."}); status.Code(err) != codes.ResourceExhausted {
		t.Errorf("Classify while a stream is open: %v, want ResourceExhausted", err)
	}
	s.CloseSend()
	if _, err := s.Recv(); err == nil {
		t.Errorf("stream Recv after CloseSend: nil error, want EOF")
	}
}

// tinyExamples is a training set small enough to train in a moment.
var tinyExamples = []classifier.Example{
	{Text: "Investigators linked the malware to a unit of Russia's GRU.", Label: classifier.Accusation},
	{Text: "The United States accused China of a sweeping espionage campaign.", Label: classifier.Accusation},
	{Text: "Microsoft attributed the intrusion to a North Korean group.", Label: classifier.Accusation},
	{Text: "Britain blamed Iranian hackers for the attack on the water utility.", Label: classifier.Accusation},
	{Text: "Officials said the operation was run by China's Ministry of State Security.", Label: classifier.Accusation},
	{Text: "Moscow denied any involvement.", Label: classifier.Denial},
	{Text: "Beijing called the charges groundless and politically motivated.", Label: classifier.Denial},
	{Text: "Pyongyang rejected the report as a fabrication.", Label: classifier.Denial},
	{Text: "Tehran dismissed the allegations as baseless.", Label: classifier.Denial},
	{Text: "The embassy said China firmly opposes all forms of cyberattacks.", Label: classifier.Denial},
	{Text: "The Treasury sanctioned a Wuhan-based front company.", Label: classifier.Sanction},
	{Text: "The European Union imposed travel bans on six officers.", Label: classifier.Sanction},
	{Text: "Prosecutors indicted seven hackers on charges of wire fraud.", Label: classifier.Sanction},
	{Text: "Washington announced rewards of up to ten million dollars.", Label: classifier.Sanction},
	{Text: "Britain froze the assets of two men linked to the group.", Label: classifier.Sanction},
	{Text: "The breach exposed the data of forty million voters.", Label: classifier.Background},
	{Text: "The hackers used phishing emails to gain access.", Label: classifier.Background},
	{Text: "Recent Stories", Label: classifier.Background},
	{Text: "Tensions between the two countries have risen for years.", Label: classifier.Background},
	{Text: "The ministry did not respond to a request for comment.", Label: classifier.Background},
}

// tinyModels trains two small models that differ in their weights, so in
// their versions.
func tinyModels(t *testing.T) (a, b *classifier.Model) {
	t.Helper()
	tok, err := models.Tokenizer()
	if err != nil {
		t.Fatal(err)
	}
	feats := classifier.FeatureConfig{HashBits: 12, Words: true, Bigrams: true, Shape: true, MaxTokens: 64}
	if a, err = classifier.Train(tok, tinyExamples, classifier.TrainConfig{Iterations: 50, Features: feats}); err != nil {
		t.Fatalf("Train: %v", err)
	}
	if b, err = classifier.Train(tok, tinyExamples, classifier.TrainConfig{Iterations: 50, L2: 1e-1, Features: feats}); err != nil {
		t.Fatalf("Train: %v", err)
	}
	if a.Metadata().Version == b.Metadata().Version {
		t.Fatalf("two tiny models with the same version %s", a.Metadata().Version)
	}
	return a, b
}

const testToken = "hardening-test-token"

func TestReloadUnderLoad(t *testing.T) {
	a, b := tinyModels(t)
	var reloads atomic.Int64
	next := func() (*classifier.Model, error) { // b, a, b, a, ...
		if reloads.Add(1)%2 == 1 {
			return b, nil
		}
		return a, nil
	}
	addr, _ := testserver.Start(t, a, server.Options{AuthToken: testToken, Reload: next})
	c, err := client.New(addr, client.WithInsecure(), client.WithBearerToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := ctxTimeout(t)

	var (
		done     atomic.Int64
		mu       sync.Mutex
		failures []error            // protected by mu
		versions = map[string]int{} // protected by mu
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := c.Classify(ctx, "Moscow denied any involvement. The Treasury sanctioned two men.")
				mu.Lock()
				if err != nil {
					failures = append(failures, err)
				} else if len(resp.GetSentences()) != 2 {
					failures = append(failures, fmt.Errorf("%d sentences, want 2", len(resp.GetSentences())))
				} else {
					versions[resp.GetModelVersion()]++
				}
				mu.Unlock()
				done.Add(1)
			}
		})
	}
	// progress waits until the load generator has finished n more calls.
	progress := func(n int64) {
		target := done.Load() + n
		for done.Load() < target && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
	}
	va, vb := a.Metadata().Version, b.Metadata().Version
	for i := range 10 {
		progress(20)
		prev, cur, err := c.ReloadModel(ctx)
		wantPrev, wantCur := va, vb
		if i%2 == 1 {
			wantPrev, wantCur = vb, va
		}
		if err != nil || prev != wantPrev || cur != wantCur {
			t.Errorf("ReloadModel %d = %s, %s, %v; want %s, %s", i+1, prev, cur, err, wantPrev, wantCur)
		}
	}
	progress(20)
	close(stop)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	if len(failures) > 0 {
		t.Errorf("%d of %d calls failed during reloads, first: %v", len(failures), done.Load(), failures[0])
	}
	if len(versions) != 2 || versions[va] == 0 || versions[vb] == 0 {
		t.Errorf("answers by model version %v, want answers from both %s and %s", versions, va, vb)
	}
	t.Logf("%d calls during 10 reloads, by version: %v", done.Load(), versions)
}

func TestBadReloadKeepsModel(t *testing.T) {
	a, b := tinyModels(t)
	var broken atomic.Bool
	broken.Store(true)
	load := func() (*classifier.Model, error) {
		if broken.Load() {
			return nil, fmt.Errorf("load model: classifier: bad magic in model file")
		}
		return b, nil
	}
	addr, srv := testserver.Start(t, a, server.Options{AuthToken: testToken, Reload: load})
	c, err := client.New(addr, client.WithInsecure(), client.WithBearerToken(testToken))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := ctxTimeout(t)
	va, vb := a.Metadata().Version, b.Metadata().Version

	_, _, err = c.ReloadModel(ctx)
	wantMsg := "reload failed, the previous model (" + va + ") keeps serving: load model: classifier: bad magic in model file"
	if st, _ := status.FromError(err); st.Code() != codes.FailedPrecondition || st.Message() != wantMsg {
		t.Errorf("ReloadModel with a bad file: %v, want FailedPrecondition %q", err, wantMsg)
	}
	resp, err := c.Classify(ctx, "Moscow denied it.")
	if err != nil || resp.GetModelVersion() != va {
		t.Errorf("Classify after a bad reload: version %q, %v; want the old model %s", resp.GetModelVersion(), err, va)
	}
	info, err := c.ModelInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lr := info.GetLastReload()
	if info.GetVersion() != va || lr.GetOk() || !strings.Contains(lr.GetError(), "bad magic") || lr.GetTrigger() != "rpc" || lr.GetTime() == nil {
		t.Errorf("GetModelInfo after a bad reload: version %s, last_reload %v; want %s and a failed rpc reload naming the error", info.GetVersion(), lr, va)
	}

	// SIGHUP in stance serve calls Server.Reload("signal").
	broken.Store(false)
	if prev, cur, err := srv.Reload("signal"); err != nil || prev != va || cur != vb {
		t.Errorf("Reload(signal) = %s, %s, %v; want %s, %s", prev, cur, err, va, vb)
	}
	info, err = c.ModelInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if lr := info.GetLastReload(); info.GetVersion() != vb || !lr.GetOk() || lr.GetError() != "" || lr.GetTrigger() != "signal" {
		t.Errorf("GetModelInfo after a good reload: version %s, last_reload %v; want %s and an ok signal reload", info.GetVersion(), lr, vb)
	}
}

func TestReloadModelRefused(t *testing.T) {
	reload := func() (*classifier.Model, error) { return models.Default() }
	noToken, _ := testserver.Start(t, nil, server.Options{Reload: reload})
	withToken, _ := testserver.Start(t, nil, server.Options{AuthToken: testToken, Reload: reload})
	noSource, _ := testserver.Start(t, nil, server.Options{AuthToken: testToken})
	tests := []struct {
		name     string
		addr     string
		opts     []client.Option
		wantCode codes.Code
		wantMsg  string
	}{
		{"server without a token", noToken, nil, codes.PermissionDenied, "the admin service needs a server started with an auth token"},
		{"server without a token, client sends one", noToken, []client.Option{client.WithBearerToken(testToken)}, codes.PermissionDenied, "needs a server started with an auth token"},
		{"no token", withToken, nil, codes.Unauthenticated, "missing bearer token"},
		{"wrong token", withToken, []client.Option{client.WithBearerToken("guess")}, codes.Unauthenticated, "invalid bearer token"},
		{"right token", withToken, []client.Option{client.WithBearerToken(testToken)}, codes.OK, ""},
		{"no model source", noSource, []client.Option{client.WithBearerToken(testToken)}, codes.FailedPrecondition, "this server has no model source to reload from"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := client.New(tt.addr, append(tt.opts, client.WithInsecure())...)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, _, err = c.ReloadModel(ctxTimeout(t))
			if st, _ := status.FromError(err); st.Code() != tt.wantCode || !strings.Contains(st.Message(), tt.wantMsg) {
				t.Errorf("ReloadModel: %v, want %v with %q", err, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func TestGracefulShutdown(t *testing.T) {
	g := newGate(methodClassify)
	addr, srv := testserver.Start(t, nil, server.Options{GRPCOptions: []grpc.ServerOption{g.option()}})
	conn := dial(t, addr)
	c := stancev1.NewStanceServiceClient(conn)
	ctx := ctxTimeout(t)

	const inFlight = 5
	text := "Moscow denied any involvement. The Treasury sanctioned two men. Recent Stories"
	answers := make(chan error, inFlight)
	for range inFlight {
		go func() {
			resp, err := c.Classify(ctx, &stancev1.ClassifyRequest{Text: text})
			if err == nil {
				if len(resp.GetSentences()) != 3 || resp.GetModelVersion() == "" {
					err = fmt.Errorf("answer with %d sentences and version %q, want 3 and a version", len(resp.GetSentences()), resp.GetModelVersion())
				}
			}
			answers <- err
		}()
	}
	g.wait(t, ctx, inFlight)

	stopped := make(chan struct{})
	go func() {
		srv.Shutdown(ctx)
		close(stopped)
	}()
	// Shutdown has begun once a new call is refused.
	other := stancev1.NewStanceServiceClient(dial(t, addr))
	for {
		_, err := other.GetModelInfo(ctx, &stancev1.GetModelInfoRequest{})
		if status.Code(err) == codes.Unavailable {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("calls still accepted after Shutdown began: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case <-stopped:
		t.Fatalf("Shutdown returned with %d calls in flight", inFlight)
	default:
	}

	close(g.release)
	for i := range inFlight {
		if err := <-answers; err != nil {
			t.Errorf("call %d in flight at shutdown: %v, want a full answer", i+1, err)
		}
	}
	<-stopped
	if _, err := c.Classify(ctx, &stancev1.ClassifyRequest{Text: text}); status.Code(err) != codes.Unavailable {
		t.Errorf("Classify after shutdown: %v, want Unavailable", err)
	}
}

func TestShutdownExpiredContextCutsOff(t *testing.T) {
	g := newGate(methodClassify)
	addr, srv := testserver.Start(t, nil, server.Options{GRPCOptions: []grpc.ServerOption{g.option()}})
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := stancev1.NewStanceServiceClient(conn)
	ctx := ctxTimeout(t)

	held := make(chan error, 1)
	go func() {
		_, err := c.Classify(ctx, &stancev1.ClassifyRequest{Text: "Moscow denied it."})
		held <- err
	}()
	g.wait(t, ctx, 1)
	expired, cancel := context.WithCancel(ctx)
	cancel()
	srv.Shutdown(expired) // returns: the held call is cut off, not waited for
	if err := <-held; status.Code(err) != codes.Unavailable {
		t.Errorf("call in flight when Shutdown's context expired: %v, want Unavailable", err)
	}
}
