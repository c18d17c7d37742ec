package server

import (
	"context"
	"net/http"
	"sync/atomic"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/logging"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"

	"github.com/claimstance/stance/classifier"
	stancev1 "github.com/claimstance/stance/proto/stance/v1"
)

// Log fields the server adds to the line it logs for each call, beside
// the gRPC fields (grpc.service, grpc.method, grpc.code, grpc.time_ms,
// peer.address).
const (
	// LogFieldSentences is the number of sentences a Classify,
	// ClassifyBatch or ClassifyStream call answered with.
	LogFieldSentences = "stance.sentences"
	// LogFieldText is the request's text (a list of texts for
	// ClassifyBatch and ClassifyStream), logged only with
	// Options.LogRequestText.
	LogFieldText = "stance.text"
)

// handlingBuckets are the upper bounds, in seconds, of the
// grpc_server_handling_seconds histogram: a one-sentence call takes well
// under a millisecond, a long article a few milliseconds, a full batch
// up to seconds.
var handlingBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics holds a Server's Prometheus collectors in a registry of its
// own. A nil *metrics records nothing.
type metrics struct {
	registry       *prometheus.Registry
	grpc           *grpcprom.ServerMetrics
	sentences      *prometheus.CounterVec // by stance
	textBytes      prometheus.Counter
	reloads        prometheus.Counter
	reloadFailures prometheus.Counter
}

// newMetrics makes the server's collectors and registers them, with the
// Go runtime and process collectors, in a new registry. model returns the
// model being served, for stance_model_info.
func newMetrics(model func() *classifier.Model) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		grpc: grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(
			grpcprom.WithHistogramBuckets(handlingBuckets))),
		sentences: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "stance_sentences_total",
			Help: "Sentences classified, by the stance they were given.",
		}, []string{"stance"}),
		textBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "stance_text_bytes_total",
			Help: "Bytes of text classified (requests answered by Classify, ClassifyBatch and ClassifyStream).",
		}),
		reloads: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "stance_model_reloads_total",
			Help: "Model reloads attempted, successful or not.",
		}),
		reloadFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "stance_model_reload_failures_total",
			Help: "Model reloads that failed; the previous model kept serving.",
		}),
	}
	for l := range classifier.NumLabels {
		m.sentences.WithLabelValues(classifier.Label(l).String())
	}
	m.registry.MustRegister(
		m.grpc, m.sentences, m.textBytes, m.reloads, m.reloadFailures,
		modelInfo{model: model, desc: prometheus.NewDesc("stance_model_info",
			"The model being served: always 1, with the model's version as a label.", []string{"version"}, nil)},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// MetricsHandler returns an HTTP handler serving the server's Prometheus
// metrics in the text exposition format, for a /metrics endpoint on a
// listener of the caller's choosing. Without Options.Metrics it answers
// 404 Not Found. The handler is safe for concurrent use.
//
// The series: grpc_server_started_total, grpc_server_handled_total (by
// grpc_code), grpc_server_msg_received_total, grpc_server_msg_sent_total,
// grpc_server_handling_seconds (a histogram), stance_sentences_total (by
// stance), stance_text_bytes_total, stance_model_info (by version),
// stance_model_reloads_total, stance_model_reload_failures_total, and the
// go_* and process_* series of the Go runtime and the process.
func (s *Server) MetricsHandler() http.Handler {
	if s.metrics == nil {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "metrics are off: start the server with Options.Metrics (stance serve --metrics-addr)", http.StatusNotFound)
		})
	}
	return promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
}

// interceptors returns the gRPC metrics interceptors; nil without metrics.
func (m *metrics) interceptors() (grpc.UnaryServerInterceptor, grpc.StreamServerInterceptor) {
	if m == nil {
		return nil, nil
	}
	return m.grpc.UnaryServerInterceptor(), m.grpc.StreamServerInterceptor()
}

// initialize creates the gRPC series of every registered method at zero.
func (m *metrics) initialize(srv *grpc.Server) {
	if m != nil {
		m.grpc.InitializeMetrics(srv)
	}
}

// classified records one answered classification request.
func (m *metrics) classified(resp *stancev1.ClassifyResponse, textBytes int) {
	if m == nil {
		return
	}
	m.textBytes.Add(float64(textBytes))
	for _, s := range resp.GetSentences() {
		if st := s.GetStance(); st > stancev1.Stance_STANCE_UNSPECIFIED && int(st) <= classifier.NumLabels {
			m.sentences.WithLabelValues(classifier.Label(st - 1).String()).Inc()
		}
	}
}

// reloaded records a reload attempt and its outcome.
func (m *metrics) reloaded(err error) {
	if m == nil {
		return
	}
	m.reloads.Inc()
	if err != nil {
		m.reloadFailures.Inc()
	}
}

// modelInfo is the stance_model_info collector: it reads the model being
// served at every scrape, so a reload shows at once.
type modelInfo struct {
	model func() *classifier.Model
	desc  *prometheus.Desc
}

func (c modelInfo) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c modelInfo) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, 1, c.model().Metadata().Version)
}

// observeUnary accounts for a unary call once it is answered: it records
// the sentences and text of a classification in the metrics and adds the
// sentence count (and, with Options.LogRequestText, the text) to the
// call's log line.
func (s *Server) observeUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	resp, err := handler(ctx, req)
	var fields logging.Fields
	switch r := req.(type) {
	case *stancev1.ClassifyRequest:
		var n int
		if out, ok := resp.(*stancev1.ClassifyResponse); ok && err == nil {
			n = len(out.GetSentences())
			s.metrics.classified(out, len(r.GetText()))
		}
		fields = logging.Fields{LogFieldSentences, n}
		if s.opts.LogRequestText {
			fields = append(fields, LogFieldText, r.GetText())
		}
	case *stancev1.ClassifyBatchRequest:
		var n int
		if out, ok := resp.(*stancev1.ClassifyBatchResponse); ok && err == nil {
			for i, one := range out.GetResponses() {
				n += len(one.GetSentences())
				s.metrics.classified(one, len(r.GetRequests()[i].GetText()))
			}
		}
		fields = logging.Fields{LogFieldSentences, n}
		if s.opts.LogRequestText {
			texts := make([]string, len(r.GetRequests()))
			for i, one := range r.GetRequests() {
				texts[i] = one.GetText()
			}
			fields = append(fields, LogFieldText, texts)
		}
	case *stancev1.TokenizeRequest:
		if s.opts.LogRequestText {
			fields = logging.Fields{LogFieldText, r.GetText()}
		}
	}
	if fields != nil {
		logging.AddFields(ctx, fields)
	}
	return resp, err
}

// observeStream is observeUnary for streams: it records each answered
// ClassifyStream request as its response is sent.
func (s *Server) observeStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if info.FullMethod != stancev1.StanceService_ClassifyStream_FullMethodName {
		return handler(srv, ss)
	}
	obs := &observedStream{ServerStream: ss, metrics: s.metrics, keepText: s.opts.LogRequestText}
	err := handler(srv, obs)
	fields := logging.Fields{LogFieldSentences, int(obs.sentences.Load())}
	if s.opts.LogRequestText {
		fields = append(fields, LogFieldText, obs.texts)
	}
	logging.AddFields(ss.Context(), fields)
	return err
}

// observedStream counts the sentences sent on a ClassifyStream. The
// stream answers its requests one for one and in order, so the text
// received last is the one the next response answers.
type observedStream struct {
	grpc.ServerStream
	metrics   *metrics
	keepText  bool
	pending   atomic.Int64 // bytes of the request received last and not yet answered
	sentences atomic.Int64
	texts     []string // received texts, with keepText; only RecvMsg writes it, read after the handler returns
}

func (o *observedStream) RecvMsg(m any) error {
	err := o.ServerStream.RecvMsg(m)
	if r, ok := m.(*stancev1.ClassifyStreamRequest); ok && err == nil {
		text := r.GetRequest().GetText()
		o.pending.Store(int64(len(text)))
		if o.keepText {
			o.texts = append(o.texts, text)
		}
	}
	return err
}

func (o *observedStream) SendMsg(m any) error {
	err := o.ServerStream.SendMsg(m)
	if r, ok := m.(*stancev1.ClassifyStreamResponse); ok && err == nil {
		o.sentences.Add(int64(len(r.GetResponse().GetSentences())))
		o.metrics.classified(r.GetResponse(), int(o.pending.Swap(0)))
	}
	return err
}
