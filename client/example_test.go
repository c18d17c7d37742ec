package client_test

import (
	"context"
	"fmt"
	"log"
	"maps"
	"os"
	"slices"
	"testing"

	"github.com/claimstance/stance/client"
	"github.com/claimstance/stance/internal/testserver"
	stancev1 "github.com/claimstance/stance/proto/stance/v1"
	"github.com/claimstance/stance/server"
)

// addr is the loopback server the examples call; TestMain starts it.
var addr string

func TestMain(m *testing.M) {
	os.Exit(runWithServer(m))
}

func runWithServer(m *testing.M) int {
	tb := &mainTB{}
	defer tb.cleanup()
	addr, _ = testserver.Start(tb, nil, server.Options{})
	if tb.failed {
		return 1
	}
	return m.Run()
}

// mainTB lets TestMain start the test server.
type mainTB struct {
	cleanups []func()
	failed   bool
}

func (tb *mainTB) Helper() {}
func (tb *mainTB) Fatalf(format string, args ...any) {
	log.Fatalf(format, args...)
}
func (tb *mainTB) Errorf(format string, args ...any) {
	log.Printf(format, args...)
	tb.failed = true
}
func (tb *mainTB) Cleanup(f func()) { tb.cleanups = append(tb.cleanups, f) }
func (tb *mainTB) cleanup() {
	for i := len(tb.cleanups) - 1; i >= 0; i-- {
		tb.cleanups[i]()
	}
}

func ExampleClient_Classify() {
	c, err := client.New(addr, client.WithInsecure())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	resp, err := c.Classify(context.Background(),
		"The Treasury imposed sanctions on a Wuhan front company on Monday. Beijing rejected the accusations as groundless.")
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range resp.GetSentences() {
		fmt.Printf("%d-%d %v\n", s.GetStart(), s.GetEnd(), s.GetStance())
	}
	// Output:
	// 0-66 STANCE_SANCTION
	// 67-114 STANCE_DENIAL
}

func ExampleClient_ClassifyBatch() {
	c, err := client.New(addr, client.WithInsecure())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	resps, err := c.ClassifyBatch(context.Background(), []string{
		"Moscow denied any involvement.",
		"Read more",
	}, client.Whole())
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range resps {
		fmt.Println(r.GetSentences()[0].GetStance())
	}
	// Output:
	// STANCE_DENIAL
	// STANCE_BACKGROUND
}

func ExampleClient_ClassifyStream() {
	c, err := client.New(addr, client.WithInsecure())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	docs := map[string]string{
		"a": "Prosecutors unsealed an indictment against seven hackers.",
		"b": "The ministry called the report a fabrication.",
	}
	err = c.ClassifyStream(context.Background(), maps.All(docs), func(id string, resp *stancev1.ClassifyResponse) error {
		fmt.Println(id, resp.GetSentences()[0].GetStance())
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	// Unordered output:
	// a STANCE_SANCTION
	// b STANCE_DENIAL
}

func ExampleClient_ModelInfo() {
	c, err := client.New(addr, client.WithInsecure())
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	info, err := c.ModelInfo(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(slices.Contains(info.GetLabels(), stancev1.Stance_STANCE_DENIAL), info.GetMaxTokens())
	// Output:
	// true 256
}
