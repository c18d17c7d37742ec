package classifier

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

func TestReadExamples(t *testing.T) {
	in := `{"text": "Beijing denied it.", "label": "denial", "incident": "apt31-2024"}

{"text": "The US charged seven men.", "label": "sanction", "also": "accusation", "incident": "apt31-2024"}
  {"incident": "x", "label": "background", "text": "Keys in any order."}  
{"text": "Also equal to label.", "label": "denial", "also": "denial", "incident": "x"}
`
	got, err := ReadExamples(strings.NewReader(in), "s.jsonl")
	if err != nil {
		t.Fatalf("ReadExamples: %v", err)
	}
	want := []Example{
		{Text: "Beijing denied it.", Label: Denial, Incident: "apt31-2024", Source: "s.jsonl:1"},
		{Text: "The US charged seven men.", Label: Sanction, Also: Accusation, HasAlso: true, Incident: "apt31-2024", Source: "s.jsonl:3"},
		{Text: "Keys in any order.", Label: Background, Incident: "x", Source: "s.jsonl:4"},
		{Text: "Also equal to label.", Label: Denial, Also: Denial, HasAlso: false, Incident: "x", Source: "s.jsonl:5"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ReadExamples\n got %+v\nwant %+v", got, want)
	}

	exs := tinyExamples(t)
	counts := map[Label]int{}
	for _, ex := range exs {
		counts[ex.Label]++
	}
	if len(exs) != 40 || counts[Accusation] != 10 || counts[Denial] != 10 || counts[Sanction] != 10 || counts[Background] != 10 {
		t.Errorf("testdata/tiny.jsonl: %d examples, by label %v; want 40, 10 each", len(exs), counts)
	}
}

func TestReadExamplesErrors(t *testing.T) {
	const ok = `{"text": "Fine.", "label": "denial", "incident": "i"}` + "\n"
	tests := []struct {
		name    string
		in      string
		line    int
		message string // substring of the error after "file:line: "
	}{
		{"unknown label", ok + `{"text": "T.", "label": "accusations", "incident": "i"}`, 2,
			`unknown label "accusations" (want one of accusation, denial, sanction, background)`},
		{"unknown also", ok + ok + `{"text": "T.", "label": "denial", "also": "maybe", "incident": "i"}`, 3, `also: classifier: unknown label "maybe"`},
		{"missing label", `{"text": "T.", "incident": "i"}`, 1, `unknown label ""`},
		{"unknown field", ok + `{"text": "T.", "lable": "denial", "incident": "i"}`, 2, `unknown field "lable"`},
		{"missing incident", `{"text": "T.", "label": "denial"}`, 1, "no incident"},
		{"empty incident", `{"text": "T.", "label": "denial", "incident": ""}`, 1, "no incident"},
		{"empty text", `{"text": " \t", "label": "denial", "incident": "i"}`, 1, "empty text"},
		{"not JSON", ok + "\n\n" + `text: T.`, 4, "invalid character"},
		{"wrong type", `{"text": 5, "label": "denial", "incident": "i"}`, 1, "cannot unmarshal number"},
		{"cut short", `{"text": "T.", "label": "den`, 1, "unexpected EOF"},
		{"line after blank lines", "\n\n" + ok + "\n" + `{"text": "T.", "label": "Denial", "incident": "i"}`, 5, `unknown label "Denial"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadExamples(strings.NewReader(tt.in), "train-x.jsonl")
			if err == nil {
				t.Fatalf("ReadExamples(%q) = %d examples, nil; want an error", tt.in, len(got))
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ReadExamples(%q) error = %v (%T), want a *ParseError", tt.in, err, err)
			}
			if pe.File != "train-x.jsonl" || pe.Line != tt.line {
				t.Errorf("ReadExamples(%q) error at %s:%d, want train-x.jsonl:%d", tt.in, pe.File, pe.Line, tt.line)
			}
			prefix := "train-x.jsonl:" + strconv.Itoa(tt.line) + ": "
			if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("ReadExamples(%q) error = %q, want prefix %q and %q in it", tt.in, err, prefix, tt.message)
			}
			if errors.Unwrap(pe) != pe.Err || pe.Err == nil {
				t.Errorf("ParseError.Unwrap() = %v, want Err %v", errors.Unwrap(pe), pe.Err)
			}
		})
	}
}

func TestArticleText(t *testing.T) {
	s := func(text string) ArticleSentence { return ArticleSentence{Text: text, Label: "background"} }
	tests := []struct {
		name string
		a    Article
		want string
	}{
		{"no paragraphs", Article{}, ""},
		{"one sentence", Article{Paragraphs: [][]ArticleSentence{{s("One.")}}}, "One."},
		{"one paragraph", Article{Paragraphs: [][]ArticleSentence{{s("One."), s("Two?"), s("“Three.”")}}}, "One. Two? “Three.”"},
		{"two paragraphs", Article{Paragraphs: [][]ArticleSentence{{s("One."), s("Two.")}, {s("Three.")}}}, "One. Two.\n\nThree."},
		{"three paragraphs", Article{Paragraphs: [][]ArticleSentence{{s("A.")}, {s("B.")}, {s("C."), s("D.")}}}, "A.\n\nB.\n\nC. D."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Text(); got != tt.want {
				t.Errorf("Article.Text() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReadArticles(t *testing.T) {
	in := `{"id": "a1", "incident": "apt31-2024", "outlet": "Wire", "paragraphs": [[{"text": "The US accused China.", "label": "accusation"}, {"text": "China denied it.", "label": "denial", "also": "background"}], [{"text": "No comment.", "label": "background"}]]}
`
	arts, err := ReadArticles(strings.NewReader(in), "articles-train.jsonl")
	if err != nil {
		t.Fatalf("ReadArticles: %v", err)
	}
	if len(arts) != 1 {
		t.Fatalf("ReadArticles gave %d articles, want 1", len(arts))
	}
	if got, want := arts[0].Text(), "The US accused China. China denied it.\n\nNo comment."; got != want {
		t.Errorf("Text() = %q, want %q", got, want)
	}
	got := arts[0].Examples("articles-train.jsonl")
	want := []Example{
		{Text: "The US accused China.", Label: Accusation, Incident: "apt31-2024", Source: "articles-train.jsonl:a1:1:1"},
		{Text: "China denied it.", Label: Denial, Also: Background, HasAlso: true, Incident: "apt31-2024", Source: "articles-train.jsonl:a1:1:2"},
		{Text: "No comment.", Label: Background, Incident: "apt31-2024", Source: "articles-train.jsonl:a1:2:1"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Examples()\n got %+v\nwant %+v", got, want)
	}

	for _, tt := range []struct {
		name, in, message string
	}{
		{"no incident", `{"id": "a2", "paragraphs": [[{"text": "T.", "label": "denial"}]]}`, "article without incident or paragraphs"},
		{"no paragraphs", `{"id": "a2", "incident": "i", "paragraphs": []}`, "article without incident or paragraphs"},
		{"bad label", `{"id": "a2", "incident": "i", "paragraphs": [[{"text": "T.", "label": "denail"}]]}`, `article a2: classifier: unknown label "denail"`},
		{"unknown field", `{"id": "a2", "incident": "i", "paragraphs": [[{"text": "T.", "label": "denial", "lable": "x"}]]}`, `unknown field "lable"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadArticles(strings.NewReader(in+tt.in), "articles-test.jsonl")
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != 2 {
				t.Fatalf("ReadArticles error = %v, want a *ParseError at line 2", err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("ReadArticles error = %q, want it to contain %q", err, tt.message)
			}
		})
	}
}

func TestLoadCorpus(t *testing.T) {
	line := func(text, label, incident string) string {
		return `{"text": "` + text + `", "label": "` + label + `", "incident": "` + incident + `"}` + "\n"
	}
	fsys := fstest.MapFS{
		"train-a.jsonl":       {Data: []byte(line("A one.", "accusation", "i1") + line("A two.", "denial", "i1"))},
		"train-b.jsonl":       {Data: []byte(line("B one.", "sanction", "i2"))},
		"test-a.jsonl":        {Data: []byte(line("T one.", "background", "i3"))},
		"articles-test.jsonl": {Data: []byte(`{"id": "x", "incident": "i4", "outlet": "o", "paragraphs": [[{"text": "P one.", "label": "denial"}, {"text": "P two.", "label": "background"}]]}` + "\n")},
		"README.md":           {Data: []byte("not read")},
		"sub/train-c.jsonl":   {Data: []byte("not read either")},
	}
	c, err := LoadCorpus(fsys)
	if err != nil {
		t.Fatalf("LoadCorpus: %v", err)
	}
	texts := func(exs []Example) []string {
		var out []string
		for _, ex := range exs {
			out = append(out, ex.Text)
		}
		return out
	}
	if got, want := texts(c.Train), []string{"A one.", "A two.", "B one."}; !reflect.DeepEqual(got, want) {
		t.Errorf("Train = %q, want %q", got, want)
	}
	// Files are read in name order: articles-test.jsonl before test-a.jsonl.
	if got, want := texts(c.Test), []string{"P one.", "P two.", "T one."}; !reflect.DeepEqual(got, want) {
		t.Errorf("Test = %q, want %q", got, want)
	}
	if len(c.TestArticles) != 1 || len(c.TrainArticles) != 0 {
		t.Errorf("articles: %d train, %d test; want 0, 1", len(c.TrainArticles), len(c.TestArticles))
	}
	if len(c.SHA256) != 64 {
		t.Errorf("SHA256 = %q, want 64 hex digits", c.SHA256)
	}

	// The hash covers names and contents.
	changed := fstest.MapFS{}
	for k, v := range fsys {
		changed[k] = v
	}
	changed["train-b.jsonl"] = &fstest.MapFile{Data: []byte(line("B one!", "sanction", "i2"))}
	c2, err := LoadCorpus(changed)
	if err != nil {
		t.Fatal(err)
	}
	if c2.SHA256 == c.SHA256 {
		t.Errorf("SHA256 unchanged after a file changed: %s", c.SHA256)
	}

	// Errors.
	if _, err := LoadCorpus(fstest.MapFS{"README.md": {}}); err == nil || !strings.Contains(err.Error(), "no *.jsonl files") {
		t.Errorf("LoadCorpus(no jsonl) error = %v, want one saying there are no *.jsonl files", err)
	}
	bad := fstest.MapFS{"train.jsonl": {Data: []byte(line("ok.", "denial", "i") + line("bad.", "denial", ""))}}
	_, err = LoadCorpus(bad)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.File != "train.jsonl" || pe.Line != 2 {
		t.Errorf("LoadCorpus(bad line 2) error = %v, want a *ParseError at train.jsonl:2", err)
	}
}
