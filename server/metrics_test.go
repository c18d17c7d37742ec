package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/claimstance/stance/classifier"
	"github.com/claimstance/stance/internal/testserver"
	"github.com/claimstance/stance/models"
	stancev1 "github.com/claimstance/stance/proto/stance/v1"
	"github.com/claimstance/stance/server"
)

// scrape fetches url (a /metrics endpoint) over HTTP and returns every
// sample by its series as the text format prints it, e.g.
// `stance_sentences_total{stance="denial"}`, and the "# TYPE" lines.
func scrape(t *testing.T, url string) (samples map[string]float64, types []string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	samples = map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# TYPE ") {
			types = append(types, strings.TrimPrefix(line, "# TYPE "))
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			t.Fatalf("GET %s: bad sample line %q", url, line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("GET %s: bad sample line %q: %v", url, line, err)
		}
		samples[line[:i]] = v
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return samples, types
}

// series names a sample as the text format prints it, from its name and
// its labels in pairs: the labels sorted by name.
func series(name string, labels ...string) string {
	var pairs []string
	for i := 0; i+1 < len(labels); i += 2 {
		pairs = append(pairs, labels[i]+`="`+labels[i+1]+`"`)
	}
	if len(pairs) == 0 {
		return name
	}
	slices.Sort(pairs)
	return name + "{" + strings.Join(pairs, ",") + "}"
}

// grpcSeries names a series of the gRPC metrics for a StanceService
// method, with more labels in pairs.
func grpcSeries(name, typ, method string, labels ...string) string {
	return series(name, append([]string{"grpc_type", typ, "grpc_service", server.ServiceName, "grpc_method", method}, labels...)...)
}

// stanceName is the label value of a proto stance: "denial".
func stanceName(s stancev1.Stance) string { return classifier.Label(s - 1).String() }

func TestMetricsCountCalls(t *testing.T) {
	addr, srv := testserver.Start(t, nil, server.Options{Metrics: true})
	web := httptest.NewServer(srv.MetricsHandler())
	t.Cleanup(web.Close)
	c := stancev1.NewStanceServiceClient(dial(t, addr))
	ctx := ctxTimeout(t)
	article, err := os.ReadFile("../examples/apt31.txt")
	if err != nil {
		t.Fatal(err)
	}

	sentences := map[string]int{} // by stance, as the responses give them
	textBytes := 0
	tally := func(text string, resp *stancev1.ClassifyResponse) {
		textBytes += len(text)
		for _, s := range resp.GetSentences() {
			sentences[stanceName(s.GetStance())]++
		}
	}
	for _, text := range []string{
		string(article),
		"The Treasury sanctioned two Russian nationals on Friday. The Kremlin dismissed the move as Russophobic hysteria.",
		"Investigators linked the malware to a unit of Russia's GRU.",
	} {
		resp, err := c.Classify(ctx, &stancev1.ClassifyRequest{Text: text})
		if err != nil {
			t.Fatalf("Classify(%.30q): %v", text, err)
		}
		tally(text, resp)
	}
	for _, text := range []string{"", "  \n "} {
		if _, err := c.Classify(ctx, &stancev1.ClassifyRequest{Text: text}); status.Code(err) != codes.InvalidArgument {
			t.Fatalf("Classify(%q): %v, want InvalidArgument", text, err)
		}
	}
	batch := []string{"Moscow denied any involvement.", "The breach exposed the data of 40 million voters. Washington blamed Beijing."}
	bresp, err := c.ClassifyBatch(ctx, &stancev1.ClassifyBatchRequest{Requests: []*stancev1.ClassifyRequest{{Text: batch[0]}, {Text: batch[1]}}})
	if err != nil {
		t.Fatalf("ClassifyBatch: %v", err)
	}
	for i, r := range bresp.GetResponses() {
		tally(batch[i], r)
	}
	stream, err := c.ClassifyStream(ctx)
	if err != nil {
		t.Fatalf("ClassifyStream: %v", err)
	}
	for i, text := range []string{"Beijing called the charges groundless.", "The EU imposed sanctions on six people. North Korea rejected the claims."} {
		if err := stream.Send(&stancev1.ClassifyStreamRequest{Id: strconv.Itoa(i), Request: &stancev1.ClassifyRequest{Text: text}}); err != nil {
			t.Fatalf("ClassifyStream Send: %v", err)
		}
		resp, err := stream.Recv()
		if err != nil {
			t.Fatalf("ClassifyStream Recv: %v", err)
		}
		tally(text, resp.GetResponse())
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("ClassifyStream Recv after CloseSend: %v, want io.EOF", err)
	}
	if _, err := c.Tokenize(ctx, &stancev1.TokenizeRequest{Text: "Café hackers"}); err != nil {
		t.Fatalf("Tokenize: %v", err)
	}
	if len(sentences) < 3 {
		t.Fatalf("the calls gave sentences of %d stances (%v), want at least 3 for a telling test", len(sentences), sentences)
	}

	got, types := scrape(t, web.URL+"/metrics")
	version := srv.Model().Metadata().Version
	want := map[string]float64{
		grpcSeries("grpc_server_started_total", "unary", "Classify"):                                 5,
		grpcSeries("grpc_server_handled_total", "unary", "Classify", "grpc_code", "OK"):              3,
		grpcSeries("grpc_server_handled_total", "unary", "Classify", "grpc_code", "InvalidArgument"): 2,
		grpcSeries("grpc_server_handled_total", "unary", "Classify", "grpc_code", "Internal"):        0,
		grpcSeries("grpc_server_handled_total", "unary", "ClassifyBatch", "grpc_code", "OK"):         1,
		grpcSeries("grpc_server_handled_total", "bidi_stream", "ClassifyStream", "grpc_code", "OK"):  1,
		grpcSeries("grpc_server_handled_total", "unary", "Tokenize", "grpc_code", "OK"):              1,
		grpcSeries("grpc_server_handled_total", "unary", "GetModelInfo", "grpc_code", "OK"):          0,
		grpcSeries("grpc_server_msg_received_total", "bidi_stream", "ClassifyStream"):                2,
		grpcSeries("grpc_server_msg_sent_total", "bidi_stream", "ClassifyStream"):                    2,
		grpcSeries("grpc_server_handling_seconds_count", "unary", "Classify"):                        5,
		grpcSeries("grpc_server_handling_seconds_bucket", "unary", "Classify", "le", "+Inf"):         5,
		"stance_text_bytes_total":                       float64(textBytes),
		series("stance_model_info", "version", version): 1,
		"stance_model_reloads_total":                    0,
		"stance_model_reload_failures_total":            0,
	}
	for l := range classifier.NumLabels {
		name := classifier.Label(l).String()
		want[series("stance_sentences_total", "stance", name)] = float64(sentences[name])
	}
	for name, w := range want {
		if g, ok := got[name]; !ok || g != w {
			t.Errorf("GET /metrics: %s = %v (present %v), want %v", name, g, ok, w)
		}
	}
	for name := range got {
		if strings.HasPrefix(name, "stance_model_info{") && name != series("stance_model_info", "version", version) {
			t.Errorf("GET /metrics: extra series %s, want one stance_model_info", name)
		}
	}
	for _, typ := range []string{
		"grpc_server_handling_seconds histogram",
		"stance_model_info gauge",
		"stance_sentences_total counter",
		"process_resident_memory_bytes gauge",
	} {
		if !slices.Contains(types, typ) {
			t.Errorf("GET /metrics: no line \"# TYPE %s\"", typ)
		}
	}
}

// retrained is a model trained on a handful of sentences: another version
// to reload.
func retrained(t *testing.T) *classifier.Model {
	t.Helper()
	tok, err := models.Tokenizer()
	if err != nil {
		t.Fatal(err)
	}
	m, err := classifier.Train(tok, []classifier.Example{
		{Text: "Investigators linked the intrusion to Russia's GRU.", Label: classifier.Accusation},
		{Text: "Washington blamed Beijing for the breach.", Label: classifier.Accusation},
		{Text: "Moscow denied any involvement.", Label: classifier.Denial},
		{Text: "Beijing called the charges groundless.", Label: classifier.Denial},
		{Text: "The Treasury sanctioned two front companies.", Label: classifier.Sanction},
		{Text: "The EU imposed a travel ban on six officers.", Label: classifier.Sanction},
		{Text: "The breach exposed 40 million records.", Label: classifier.Background},
		{Text: "The malware spread through a software update.", Label: classifier.Background},
	}, classifier.TrainConfig{Iterations: 20})
	if err != nil {
		t.Fatalf("classifier.Train: %v", err)
	}
	return m
}

func TestMetricsReloads(t *testing.T) {
	next := retrained(t)
	loads := 0 // Reload calls run one at a time
	reload := func() (*classifier.Model, error) {
		loads++
		if loads > 1 {
			return nil, errors.New("model file is corrupt")
		}
		return next, nil
	}
	_, srv := testserver.Start(t, nil, server.Options{Metrics: true, Reload: reload})
	first, second := srv.Model().Metadata().Version, next.Metadata().Version
	if first == second {
		t.Fatalf("the retrained model has the default model's version %s", first)
	}
	web := httptest.NewServer(srv.MetricsHandler())
	t.Cleanup(web.Close)

	steps := []struct {
		name                string
		reload, wantErr     bool
		reloads, failures   float64
		version, notVersion string
	}{
		{"before any reload", false, false, 0, 0, first, second},
		{"after a reload", true, false, 1, 0, second, first},
		{"after a failed reload", true, true, 2, 1, second, first},
	}
	for _, st := range steps {
		if st.reload {
			if _, _, err := srv.Reload("test"); (err != nil) != st.wantErr {
				t.Fatalf("%s: Reload: %v, want error %v", st.name, err, st.wantErr)
			}
		}
		got, _ := scrape(t, web.URL+"/metrics")
		for name, want := range map[string]float64{
			"stance_model_reloads_total":                       st.reloads,
			"stance_model_reload_failures_total":               st.failures,
			series("stance_model_info", "version", st.version): 1,
		} {
			if g, ok := got[name]; !ok || g != want {
				t.Errorf("%s: %s = %v (present %v), want %v", st.name, name, g, ok, want)
			}
		}
		if g, ok := got[series("stance_model_info", "version", st.notVersion)]; ok {
			t.Errorf("%s: stance_model_info for version %s = %v, want no such series", st.name, st.notVersion, g)
		}
	}
}

func TestMetricsHandlerWithoutMetrics(t *testing.T) {
	_, srv := testserver.Start(t, nil, server.Options{})
	web := httptest.NewServer(srv.MetricsHandler())
	t.Cleanup(web.Close)
	resp, err := http.Get(web.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics without Options.Metrics: %s, want 404 Not Found", resp.Status)
	}
}

// logBuffer collects log output from the server's goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer // protected by mu
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the JSON log lines written so far.
func (b *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// loggedCall is a call TestCallLogLines makes and what its log line
// should say.
type loggedCall struct {
	method, code string
	marker       string  // a word of the request's text found nowhere else
	sentences    float64 // the sentence count; -1 for none
}

// makeLoggedCalls makes one call of each kind, one of them invalid.
func makeLoggedCalls(t *testing.T, c stancev1.StanceServiceClient) []loggedCall {
	t.Helper()
	ctx := ctxTimeout(t)
	resp, err := c.Classify(ctx, &stancev1.ClassifyRequest{Text: "Investigators tied Zebrafinch to the GRU. Moscow denied it."})
	if err != nil {
		t.Fatalf("Classify: %v", err)
	}
	classified := float64(len(resp.GetSentences()))
	if _, err := c.Classify(ctx, &stancev1.ClassifyRequest{Text: "Quokka", ExplainTopK: 1000}); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("Classify with explain_top_k 1000: %v, want InvalidArgument", err)
	}
	bresp, err := c.ClassifyBatch(ctx, &stancev1.ClassifyBatchRequest{Requests: []*stancev1.ClassifyRequest{
		{Text: "Pangolin hackers struck."}, {Text: "The Treasury sanctioned them. Beijing objected."}}})
	if err != nil {
		t.Fatalf("ClassifyBatch: %v", err)
	}
	var batched float64
	for _, r := range bresp.GetResponses() {
		batched += float64(len(r.GetSentences()))
	}
	stream, err := c.ClassifyStream(ctx)
	if err != nil {
		t.Fatalf("ClassifyStream: %v", err)
	}
	var streamed float64
	for i, text := range []string{"Axolotl malware spread.", "Officials denied it. Sanctions followed. Nobody was hurt."} {
		if err := stream.Send(&stancev1.ClassifyStreamRequest{Id: strconv.Itoa(i), Request: &stancev1.ClassifyRequest{Text: text}}); err != nil {
			t.Fatalf("ClassifyStream Send: %v", err)
		}
		r, err := stream.Recv()
		if err != nil {
			t.Fatalf("ClassifyStream Recv: %v", err)
		}
		streamed += float64(len(r.GetResponse().GetSentences()))
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatal(err)
	}
	if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("ClassifyStream Recv after CloseSend: %v, want io.EOF", err)
	}
	if _, err := c.Tokenize(ctx, &stancev1.TokenizeRequest{Text: "Narwhal"}); err != nil {
		t.Fatalf("Tokenize: %v", err)
	}
	return []loggedCall{
		{"Classify", "OK", "Zebrafinch", classified},
		{"Classify", "InvalidArgument", "Quokka", 0},
		{"ClassifyBatch", "OK", "Pangolin", batched},
		{"ClassifyStream", "OK", "Axolotl", streamed},
		{"Tokenize", "OK", "Narwhal", -1},
	}
}

func TestCallLogLines(t *testing.T) {
	for _, logText := range []bool{false, true} {
		t.Run("LogRequestText="+strconv.FormatBool(logText), func(t *testing.T) {
			var buf logBuffer
			addr, _ := testserver.Start(t, nil, server.Options{
				Logger:         slog.New(slog.NewJSONHandler(&buf, nil)),
				LogRequestText: logText,
			})
			calls := makeLoggedCalls(t, stancev1.NewStanceServiceClient(dial(t, addr)))
			lines := buf.lines(t)
			finished := 0
			for _, l := range lines {
				if l["msg"] == "finished call" {
					finished++
				}
			}
			if finished != len(calls) {
				t.Errorf("%d \"finished call\" lines, want one per call: %d", finished, len(calls))
			}
			for _, c := range calls {
				var line map[string]any
				for _, l := range lines {
					if l["msg"] == "finished call" && l["grpc.method"] == c.method && l["grpc.code"] == c.code {
						line = l
					}
				}
				if line == nil {
					t.Errorf("%s (%s): no \"finished call\" line", c.method, c.code)
					continue
				}
				for _, key := range []string{"grpc.service", "grpc.time_ms", "peer.address"} {
					if v, ok := line[key]; !ok || v == "" {
						t.Errorf("%s (%s): field %q = %v, want it set", c.method, c.code, key, v)
					}
				}
				n, ok := line[server.LogFieldSentences]
				switch {
				case c.sentences < 0 && ok:
					t.Errorf("%s (%s): field %q = %v, want none", c.method, c.code, server.LogFieldSentences, n)
				case c.sentences >= 0 && n != c.sentences:
					t.Errorf("%s (%s): field %q = %v, want %v", c.method, c.code, server.LogFieldSentences, n, c.sentences)
				}
				text, _ := json.Marshal(line[server.LogFieldText])
				if got := strings.Contains(string(text), c.marker); got != logText {
					t.Errorf("%s (%s): field %q = %s: holds the request's text: %v, want %v", c.method, c.code, server.LogFieldText, text, got, logText)
				}
			}
			if !logText {
				all, _ := json.Marshal(lines)
				for _, c := range calls {
					if strings.Contains(string(all), c.marker) {
						t.Errorf("the logs hold %q, from a request's text, without LogRequestText", c.marker)
					}
				}
			}
		})
	}
}
