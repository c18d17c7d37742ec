package server_test

import (
	"context"
	"errors"
	"io"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	"github.com/claimstance/stance/internal/testserver"
	stancev1 "github.com/claimstance/stance/proto/stance/v1"
	"github.com/claimstance/stance/server"
)

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatalf("grpc.NewClient(%q): %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func ctxTimeout(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// The example article and its labels as the labeling guide gives them:
// the primary label and, for mixed sentences, the one also accepted.
var exampleLabels = []struct {
	begins        string
	primary, also stancev1.Stance
}{
	{"The Chinese foreign ministry has described", stancev1.Stance_STANCE_DENIAL, 0},
	{"On Monday, state officials", stancev1.Stance_STANCE_SANCTION, stancev1.Stance_STANCE_ACCUSATION},
	{"The US and UK have said", stancev1.Stance_STANCE_ACCUSATION, 0},
	{"US prosecutors have brought charges", stancev1.Stance_STANCE_SANCTION, stancev1.Stance_STANCE_ACCUSATION},
	{"At a press briefing on Tuesday", stancev1.Stance_STANCE_DENIAL, 0},
	{"China on Tuesday urged", stancev1.Stance_STANCE_DENIAL, 0},
	{"\"China is strongly dissatisfied", stancev1.Stance_STANCE_DENIAL, 0},
	{"The Chinese Embassy in London", stancev1.Stance_STANCE_DENIAL, 0},
	{"In his statement, Lin added", stancev1.Stance_STANCE_DENIAL, 0},
	{"The US and UK are not alone", stancev1.Stance_STANCE_ACCUSATION, 0},
	{"Tensions between the west and China", stancev1.Stance_STANCE_BACKGROUND, 0},
	{"Beijing and Washington are locked", stancev1.Stance_STANCE_BACKGROUND, stancev1.Stance_STANCE_SANCTION},
	{"Recent Stories", stancev1.Stance_STANCE_BACKGROUND, 0},
}

func TestClassifyExampleArticle(t *testing.T) {
	addr, _ := testserver.Start(t, nil, server.Options{})
	c := stancev1.NewStanceServiceClient(dial(t, addr))
	data, err := os.ReadFile("../examples/apt31.txt")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	resp, err := c.Classify(ctxTimeout(t), &stancev1.ClassifyRequest{Text: text})
	if err != nil {
		t.Fatalf("Classify: %v", err)
	}
	if resp.GetModelVersion() == "" {
		t.Errorf("Classify: empty model_version")
	}
	if got := len(resp.GetSentences()); got != len(exampleLabels) {
		t.Fatalf("Classify: %d sentences, want %d", got, len(exampleLabels))
	}
	agree := 0
	prevEnd := uint32(0)
	for i, s := range resp.GetSentences() {
		want := exampleLabels[i]
		if !strings.HasPrefix(s.GetText(), want.begins) {
			t.Errorf("sentence %d = %q, want it to begin %q", i+1, s.GetText(), want.begins)
		}
		if s.GetStart() < prevEnd || s.GetEnd() > uint32(len(text)) || text[s.GetStart():s.GetEnd()] != s.GetText() {
			t.Errorf("sentence %d: offsets [%d,%d) do not slice its text out of the request", i+1, s.GetStart(), s.GetEnd())
		}
		prevEnd = s.GetEnd()
		checkScores(t, s)
		if s.GetStance() == want.primary || (want.also != 0 && s.GetStance() == want.also) {
			agree++
		} else {
			t.Logf("sentence %d %q: got %v, guide says %v", i+1, want.begins, s.GetStance(), want.primary)
		}
	}
	t.Logf("example article: %d of %d sentences labeled as the guide says", agree, len(exampleLabels))
	if agree < 11 {
		t.Errorf("example article: %d of %d sentences agree with the guide, want at least 11", agree, len(exampleLabels))
	}
}

// checkScores checks a sentence's scores: four stances, probabilities
// summing to 1, highest first, the first being the sentence's stance.
func checkScores(t *testing.T, s *stancev1.Sentence) {
	t.Helper()
	scores := s.GetScores()
	if len(scores) != 4 {
		t.Fatalf("%q: %d scores, want 4", s.GetText(), len(scores))
	}
	var sum float64
	seen := map[stancev1.Stance]bool{}
	for i, sc := range scores {
		sum += float64(sc.GetProbability())
		seen[sc.GetStance()] = true
		if i > 0 && sc.GetProbability() > scores[i-1].GetProbability() {
			t.Errorf("%q: scores not highest first: %v", s.GetText(), scores)
		}
	}
	if math.Abs(sum-1) > 1e-4 || len(seen) != 4 || seen[stancev1.Stance_STANCE_UNSPECIFIED] {
		t.Errorf("%q: scores %v: want the four stances summing to 1 (sum %v)", s.GetText(), scores, sum)
	}
	if scores[0].GetStance() != s.GetStance() || scores[0].GetProbability() != s.GetConfidence() {
		t.Errorf("%q: stance %v confidence %v, but top score is %v", s.GetText(), s.GetStance(), s.GetConfidence(), scores[0])
	}
}

func TestInvalidRequests(t *testing.T) {
	addr, _ := testserver.Start(t, nil, server.Options{MaxTextBytes: 200, MaxBatchSize: 2, MaxSentences: 3})
	c := stancev1.NewStanceServiceClient(dial(t, addr))
	ctx := ctxTimeout(t)
	classify := func(req *stancev1.ClassifyRequest) error {
		_, err := c.Classify(ctx, req)
		return err
	}
	tests := []struct {
		name      string
		call      func() error
		wantField string
		wantMsg   string
	}{
		{"empty text", func() error { return classify(&stancev1.ClassifyRequest{}) }, "text", "empty or blank"},
		{"blank text", func() error { return classify(&stancev1.ClassifyRequest{Text: " \n\t\u00a0 "}) }, "text", "empty or blank"},
		{"text over limit", func() error { return classify(&stancev1.ClassifyRequest{Text: strings.Repeat("a", 201)}) }, "text", "201 bytes is over the limit of 200 bytes"},
		{"too many sentences", func() error { return classify(&stancev1.ClassifyRequest{Text: "One. Two. Three. Four."}) }, "text", "4 sentences is over the limit of 3"},
		{"explain_top_k over max", func() error { return classify(&stancev1.ClassifyRequest{Text: "Moscow denied it.", ExplainTopK: 51}) }, "explain_top_k", "limit of 50"},
		{"unknown split", func() error { return classify(&stancev1.ClassifyRequest{Text: "Moscow denied it.", Split: 7}) }, "split", "unknown split 7"},
		{"batch over limit", func() error {
			_, err := c.ClassifyBatch(ctx, &stancev1.ClassifyBatchRequest{Requests: []*stancev1.ClassifyRequest{{Text: "a"}, {Text: "b"}, {Text: "c"}}})
			return err
		}, "requests", "3 requests is over the limit of 2"},
		{"blank text inside batch", func() error {
			_, err := c.ClassifyBatch(ctx, &stancev1.ClassifyBatchRequest{Requests: []*stancev1.ClassifyRequest{{Text: "Moscow denied it."}, {Text: "  "}}})
			return err
		}, "requests[1].text", "empty or blank"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			st, _ := status.FromError(err)
			if st.Code() != codes.InvalidArgument {
				t.Fatalf("got %v, want InvalidArgument", err)
			}
			if !strings.Contains(st.Message(), tt.wantMsg) {
				t.Errorf("message %q, want it to contain %q", st.Message(), tt.wantMsg)
			}
			var field string
			for _, d := range st.Details() {
				if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) > 0 {
					field = br.GetFieldViolations()[0].GetField()
				}
			}
			if field != tt.wantField {
				t.Errorf("BadRequest field %q, want %q", field, tt.wantField)
			}
		})
	}
}

func TestClassifyBatchAndStreamKeepOrder(t *testing.T) {
	addr, _ := testserver.Start(t, nil, server.Options{})
	c := stancev1.NewStanceServiceClient(dial(t, addr))
	ctx := ctxTimeout(t)
	texts := []string{
		"The Treasury sanctioned two Russian nationals on Friday.",
		"Recent Stories",
		"Moscow has repeatedly denied any involvement. It called the claims absurd.",
	}
	var reqs []*stancev1.ClassifyRequest
	for _, tx := range texts {
		reqs = append(reqs, &stancev1.ClassifyRequest{Text: tx})
	}
	batch, err := c.ClassifyBatch(ctx, &stancev1.ClassifyBatchRequest{Requests: reqs})
	if err != nil {
		t.Fatalf("ClassifyBatch: %v", err)
	}
	if len(batch.GetResponses()) != len(texts) {
		t.Fatalf("ClassifyBatch: %d responses, want %d", len(batch.GetResponses()), len(texts))
	}
	for i, r := range batch.GetResponses() {
		if got := r.GetSentences()[0].GetText(); !strings.HasPrefix(texts[i], got) {
			t.Errorf("response %d begins with %q, want a sentence of %q", i, got, texts[i])
		}
	}
	if n := len(batch.GetResponses()[2].GetSentences()); n != 2 {
		t.Errorf("response 2 has %d sentences, want 2", n)
	}

	stream, err := c.ClassifyStream(ctx)
	if err != nil {
		t.Fatalf("ClassifyStream: %v", err)
	}
	ids := []string{"doc-a", "doc-b", "doc-c"}
	for i, id := range ids {
		if err := stream.Send(&stancev1.ClassifyStreamRequest{Id: id, Request: reqs[i]}); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if err := stream.CloseSend(); err != nil {
		t.Fatalf("CloseSend: %v", err)
	}
	for i, id := range ids {
		resp, err := stream.Recv()
		if err != nil {
			t.Fatalf("Recv %d: %v", i, err)
		}
		if resp.GetId() != id {
			t.Errorf("response %d id %q, want %q", i, resp.GetId(), id)
		}
		if got, want := resp.GetResponse().GetSentences()[0].GetStance(), batch.GetResponses()[i].GetSentences()[0].GetStance(); got != want {
			t.Errorf("stream response %d stance %v, batch gave %v", i, got, want)
		}
	}
	if _, err := stream.Recv(); !errors.Is(err, io.EOF) {
		t.Errorf("Recv after last: %v, want EOF", err)
	}
}

func TestClassifyStreamInvalidItemEndsStream(t *testing.T) {
	addr, _ := testserver.Start(t, nil, server.Options{})
	c := stancev1.NewStanceServiceClient(dial(t, addr))
	stream, err := c.ClassifyStream(ctxTimeout(t))
	if err != nil {
		t.Fatal(err)
	}
	stream.Send(&stancev1.ClassifyStreamRequest{Id: "ok", Request: &stancev1.ClassifyRequest{Text: "Beijing rejected the report."}})
	stream.Send(&stancev1.ClassifyStreamRequest{Id: "blank-one", Request: &stancev1.ClassifyRequest{Text: " "}})
	if resp, err := stream.Recv(); err != nil || resp.GetId() != "ok" {
		t.Fatalf("first Recv = %v, %v; want the answer to \"ok\"", resp, err)
	}
	_, err = stream.Recv()
	if st, _ := status.FromError(err); st.Code() != codes.InvalidArgument || !strings.Contains(st.Message(), `"blank-one"`) {
		t.Errorf("second Recv error %v, want InvalidArgument naming \"blank-one\"", err)
	}
}

func TestTokenizeModelInfoHealthReflection(t *testing.T) {
	addr, _ := testserver.Start(t, nil, server.Options{})
	conn := dial(t, addr)
	c := stancev1.NewStanceServiceClient(conn)
	ctx := ctxTimeout(t)

	text := "“APT31” hackers"
	tr, err := c.Tokenize(ctx, &stancev1.TokenizeRequest{Text: text})
	if err != nil {
		t.Fatalf("Tokenize: %v", err)
	}
	var surfaces []string
	for _, tk := range tr.GetTokens() {
		surfaces = append(surfaces, text[tk.GetStart():tk.GetEnd()]+"="+tk.GetText())
	}
	if got, want := strings.Join(surfaces, " "), "“=“ APT=apt 31=##31 ”=” hacker=hacker s=##s"; got != want {
		t.Errorf("Tokenize(%q) = %s, want %s", text, got, want)
	}

	info, err := c.GetModelInfo(ctx, &stancev1.GetModelInfoRequest{})
	if err != nil {
		t.Fatalf("GetModelInfo: %v", err)
	}
	if !strings.HasPrefix(info.GetVersion(), "stance-") || len(info.GetLabels()) != 4 || info.GetCorpusSentences() < 1000 ||
		info.GetEvaluation().GetMacroF1() <= 0 || !strings.Contains(info.GetTokenizer(), "sha256:") {
		t.Errorf("GetModelInfo = %v, want a version, 4 labels, >= 1000 corpus sentences, test figures and a tokenizer identity", info)
	}

	h := healthpb.NewHealthClient(conn)
	for _, svc := range []string{"", server.ServiceName} {
		resp, err := h.Check(ctx, &healthpb.HealthCheckRequest{Service: svc})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("Health.Check(%q) = %v, %v; want SERVING", svc, resp, err)
		}
	}

	rc, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rc.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}})
	rresp, err := rc.Recv()
	if err != nil {
		t.Fatalf("reflection: %v", err)
	}
	var names []string
	for _, s := range rresp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	if !strings.Contains(strings.Join(names, ","), server.ServiceName) {
		t.Errorf("reflection lists %v, want %s among them", names, server.ServiceName)
	}
}

func TestPanicBecomesInternal(t *testing.T) {
	panicky := grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if info.FullMethod == "/stance.v1.StanceService/Tokenize" {
			panic("boom")
		}
		return handler(ctx, req)
	})
	addr, _ := testserver.Start(t, nil, server.Options{GRPCOptions: []grpc.ServerOption{panicky}})
	c := stancev1.NewStanceServiceClient(dial(t, addr))
	ctx := ctxTimeout(t)
	_, err := c.Tokenize(ctx, &stancev1.TokenizeRequest{Text: "x"})
	if st, _ := status.FromError(err); st.Code() != codes.Internal || strings.Contains(st.Message(), "boom") {
		t.Errorf("Tokenize after panic: %v, want Internal without the panic's text", err)
	}
	if _, err := c.Classify(ctx, &stancev1.ClassifyRequest{Text: "Moscow denied it."}); err != nil {
		t.Errorf("Classify after a recovered panic: %v, want the server still serving", err)
	}
}
