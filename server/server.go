// Package server serves a stance classifier over gRPC: the
// stance.v1.StanceService, the standard health service and server
// reflection, with structured logging and panic recovery.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	"github.com/claimstance/stance/classifier"
	stancev1 "github.com/claimstance/stance/proto/stance/v1"
)

// ServiceName is the full name of the stance service, as the health
// service reports it.
const ServiceName = "stance.v1.StanceService"

// Server is a gRPC server for a stance model.
type Server struct {
	stancev1.UnimplementedStanceServiceServer
	opts    Options
	model   atomic.Pointer[classifier.Model]
	grpc    *grpc.Server
	health  *health.Server
	slots   chan struct{} // one element per call being served
	reload  reloader
	metrics *metrics // nil without Options.Metrics
	codec   *requestCodec
}

var _ stancev1.StanceServiceServer = (*Server)(nil)

// New returns a server for model with its services registered and
// reporting SERVING: StanceService, AdminService, grpc.health.v1.Health and
// reflection.
func New(model *classifier.Model, opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{opts: opts, health: health.NewServer(), slots: make(chan struct{}, opts.MaxConcurrent), codec: newRequestCodec()}
	s.model.Store(model)
	if opts.Metrics {
		s.metrics = newMetrics(s.Model)
	}
	serverOpts := append(s.interceptors(),
		grpc.ForceServerCodecV2(s.codec),
		grpc.MaxRecvMsgSize(opts.MaxMessageBytes),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: opts.KeepaliveMinTime, PermitWithoutStream: true}),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 2 * time.Minute, Timeout: 20 * time.Second, MaxConnectionAge: opts.MaxConnectionAge}),
	)
	if opts.TLS != nil {
		serverOpts = append(serverOpts, grpc.Creds(credentials.NewTLS(opts.TLS)))
	}
	serverOpts = append(serverOpts, opts.GRPCOptions...)
	s.grpc = grpc.NewServer(serverOpts...)
	stancev1.RegisterStanceServiceServer(s.grpc, s)
	stancev1.RegisterAdminServiceServer(s.grpc, &adminServer{s: s})
	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)
	s.metrics.initialize(s.grpc)
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	s.health.SetServingStatus(ServiceName, healthpb.HealthCheckResponse_SERVING)
	return s
}

// Serve accepts connections on lis until Stop or GracefulStop.
func (s *Server) Serve(lis net.Listener) error { return s.grpc.Serve(lis) }

// Shutdown marks the server NOT_SERVING, stops accepting calls and waits
// for calls in flight to finish; when ctx is done first it cuts them off.
func (s *Server) Shutdown(ctx context.Context) {
	s.health.Shutdown()
	done := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.grpc.Stop()
		<-done
	}
}

// Model returns the model being served.
func (s *Server) Model() *classifier.Model { return s.model.Load() }

// Classify labels every sentence of one text.
func (s *Server) Classify(ctx context.Context, req *stancev1.ClassifyRequest) (*stancev1.ClassifyResponse, error) {
	resp, err := s.classify(s.model.Load(), req, "")
	if err != nil {
		return nil, toStatus(err)
	}
	return resp, nil
}

// ClassifyBatch labels several texts, answering in order.
func (s *Server) ClassifyBatch(ctx context.Context, req *stancev1.ClassifyBatchRequest) (*stancev1.ClassifyBatchResponse, error) {
	if n := len(req.GetRequests()); n > s.opts.MaxBatchSize {
		return nil, toStatus(&limitError{field: "requests", limit: s.opts.MaxBatchSize, got: n, unit: "requests",
			fix: "split the batch into smaller ones"})
	}
	model := s.model.Load()
	out := &stancev1.ClassifyBatchResponse{Responses: make([]*stancev1.ClassifyResponse, len(req.GetRequests()))}
	for i, r := range req.GetRequests() {
		if err := ctx.Err(); err != nil {
			return nil, status.FromContextError(err).Err()
		}
		resp, err := s.classify(model, r, fmt.Sprintf("requests[%d].", i))
		if err != nil {
			return nil, toStatus(err)
		}
		out.Responses[i] = resp
	}
	return out, nil
}

// ClassifyStream answers each request of the stream in order with the id
// it carried. An invalid request ends the stream with its status.
func (s *Server) ClassifyStream(stream grpc.BidiStreamingServer[stancev1.ClassifyStreamRequest, stancev1.ClassifyStreamResponse]) error {
	for {
		req, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		resp, err := s.classify(s.model.Load(), req.GetRequest(), fmt.Sprintf("request (id %q).", req.GetId()))
		if err != nil {
			return toStatus(err)
		}
		if err := stream.Send(&stancev1.ClassifyStreamResponse{Id: req.GetId(), Response: resp}); err != nil {
			return err
		}
	}
}

// Tokenize returns the tokens the model reads.
func (s *Server) Tokenize(ctx context.Context, req *stancev1.TokenizeRequest) (*stancev1.TokenizeResponse, error) {
	if n := len(req.GetText()); n > s.opts.MaxTextBytes {
		return nil, toStatus(&limitError{field: "text", limit: s.opts.MaxTextBytes, got: n, unit: "bytes",
			fix: "send a shorter text"})
	}
	tok := s.model.Load().Tokenizer()
	toks := tok.Tokenize(req.GetText())
	out := &stancev1.TokenizeResponse{Tokens: make([]*stancev1.Token, len(toks))}
	for i, t := range toks {
		out.Tokens[i] = &stancev1.Token{Text: tok.Piece(t.ID), Id: uint32(t.ID), Start: uint32(t.Start), End: uint32(t.End)}
	}
	return out, nil
}

// GetModelInfo describes the serving model.
func (s *Server) GetModelInfo(ctx context.Context, req *stancev1.GetModelInfoRequest) (*stancev1.GetModelInfoResponse, error) {
	meta := s.model.Load().Metadata()
	out := &stancev1.GetModelInfoResponse{
		Version:         meta.Version,
		CorpusSentences: uint32(meta.CorpusSentences),
		CorpusSha256:    meta.CorpusSHA256,
		Tokenizer:       meta.Tokenizer,
		MaxTokens:       uint32(meta.Features.MaxTokens),
		Seed:            meta.Train.Seed,
	}
	for l := range classifier.NumLabels {
		out.Labels = append(out.Labels, toProtoStance(classifier.Label(l)))
	}
	if r := meta.Test; r != nil {
		ev := &stancev1.Evaluation{
			Sentences:                uint32(r.Sentences),
			Accuracy:                 float32(r.Accuracy),
			MacroF1:                  float32(r.MacroF1),
			ExpectedCalibrationError: float32(r.ECE),
		}
		for l, m := range r.Labels {
			ev.Labels = append(ev.Labels, &stancev1.LabelMetrics{Stance: toProtoStance(classifier.Label(l)),
				Precision: float32(m.Precision), Recall: float32(m.Recall), F1: float32(m.F1), Support: uint32(m.Support)})
		}
		out.Evaluation = ev
	}
	out.LastReload = s.reload.last()
	return out, nil
}

// classify validates one request and labels its text; prefix names the
// request's place in errors ("requests[3].").
func (s *Server) classify(model *classifier.Model, req *stancev1.ClassifyRequest, prefix string) (*stancev1.ClassifyResponse, error) {
	text := req.GetText()
	if n := len(text); n > s.opts.MaxTextBytes {
		return nil, &limitError{field: prefix + "text", limit: s.opts.MaxTextBytes, got: n, unit: "bytes",
			fix: "split the text into smaller requests"}
	}
	opts := classifier.ClassifyOptions{ExplainTopK: int(req.GetExplainTopK())}
	switch req.GetSplit() {
	case stancev1.Split_SPLIT_UNSPECIFIED, stancev1.Split_SPLIT_SENTENCES:
	case stancev1.Split_SPLIT_NONE:
		opts.Whole = true
	default:
		return nil, &fieldError{field: prefix + "split", msg: fmt.Sprintf("unknown split %d: use SPLIT_SENTENCES or SPLIT_NONE", req.GetSplit())}
	}
	if req.GetExplainTopK() > classifier.MaxExplainTopK {
		return nil, &limitError{field: prefix + "explain_top_k", limit: classifier.MaxExplainTopK, got: int(req.GetExplainTopK()), unit: "features",
			fix: "ask for fewer features"}
	}
	opts.MaxSentences = s.opts.MaxSentences
	sents, err := model.Classify(text, opts)
	var tooMany *classifier.TooManySentencesError
	switch {
	case errors.Is(err, classifier.ErrEmptyText):
		return nil, &fieldError{field: prefix + "text", msg: "text is empty or blank: send the text to classify"}
	case errors.As(err, &tooMany):
		return nil, &limitError{field: prefix + "text", limit: tooMany.Limit, got: tooMany.Sentences, unit: "sentences",
			fix: "split the text into smaller requests"}
	case err != nil:
		return nil, err
	}
	resp := &stancev1.ClassifyResponse{ModelVersion: model.Metadata().Version, Sentences: make([]*stancev1.Sentence, len(sents))}
	for i, st := range sents {
		resp.Sentences[i] = toProtoSentence(text, st)
	}
	return resp, nil
}

func toProtoStance(l classifier.Label) stancev1.Stance { return stancev1.Stance(l + 1) }

func toProtoSentence(text string, s classifier.Sentence) *stancev1.Sentence {
	out := &stancev1.Sentence{
		Text:       text[s.Start:s.End],
		Start:      uint32(s.Start),
		End:        uint32(s.End),
		Stance:     toProtoStance(s.Label),
		Confidence: s.Confidence(),
		Truncated:  s.Truncated,
		Scores:     make([]*stancev1.StanceScore, classifier.NumLabels),
	}
	for l, p := range s.Probs {
		out.Scores[l] = &stancev1.StanceScore{Stance: toProtoStance(classifier.Label(l)), Probability: p}
	}
	slices.SortStableFunc(out.Scores, func(a, b *stancev1.StanceScore) int {
		switch {
		case a.Probability > b.Probability:
			return -1
		case a.Probability < b.Probability:
			return 1
		}
		return 0
	})
	for _, e := range s.Evidence {
		out.Evidence = append(out.Evidence, &stancev1.Evidence{Feature: e.Feature, Contribution: e.Contribution})
	}
	return out
}
