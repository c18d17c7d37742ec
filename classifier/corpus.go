package classifier

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Example is one labeled sentence of the corpus.
type Example struct {
	// Text is the sentence.
	Text string
	// Label is its primary label.
	Label Label
	// Also is the second act of a mixed sentence, which evaluation also
	// accepts; HasAlso reports whether there is one.
	Also    Label
	HasAlso bool
	// Incident names the incident the sentence is about.
	Incident string
	// Source is "file:line" (or "file:line:paragraph:sentence" in articles).
	Source string
}

// ParseError is an error in a corpus file, with its position.
type ParseError struct {
	File string
	Line int
	Err  error
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err) }

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

type jsonSentence struct {
	Text     string `json:"text"`
	Label    string `json:"label"`
	Also     string `json:"also,omitempty"`
	Incident string `json:"incident"`
}

// ArticleSentence is one labeled sentence of an article.
type ArticleSentence struct {
	Text  string `json:"text"`
	Label string `json:"label"`
	Also  string `json:"also,omitempty"`
}

// Article is a whole labeled article, kept with its paragraphs.
type Article struct {
	ID         string              `json:"id"`
	Incident   string              `json:"incident"`
	Outlet     string              `json:"outlet"`
	Paragraphs [][]ArticleSentence `json:"paragraphs"`
}

// Text returns the article as running text: sentences of a paragraph
// joined by a space, paragraphs by a blank line.
func (a Article) Text() string {
	var b strings.Builder
	for i, p := range a.Paragraphs {
		if i > 0 {
			b.WriteString("\n\n")
		}
		for j, s := range p {
			if j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

func (s jsonSentence) example(source string) (Example, error) {
	if strings.TrimSpace(s.Text) == "" {
		return Example{}, errors.New("empty text")
	}
	if s.Incident == "" {
		return Example{}, errors.New("no incident")
	}
	ex := Example{Text: s.Text, Incident: s.Incident, Source: source}
	var err error
	if ex.Label, err = ParseLabel(s.Label); err != nil {
		return Example{}, err
	}
	if s.Also != "" {
		if ex.Also, err = ParseLabel(s.Also); err != nil {
			return Example{}, fmt.Errorf("also: %w", err)
		}
		ex.HasAlso = ex.Also != ex.Label
	}
	return ex, nil
}

// ReadExamples reads labeled sentences, one JSON object a line:
// {"text": ..., "label": ..., "also": ..., "incident": ...}. name is used in
// errors and sources.
func ReadExamples(r io.Reader, name string) ([]Example, error) {
	var out []Example
	err := eachLine(r, name, func(line []byte, n int) error {
		var s jsonSentence
		if err := strictUnmarshal(line, &s); err != nil {
			return err
		}
		ex, err := s.example(fmt.Sprintf("%s:%d", name, n))
		if err != nil {
			return err
		}
		out = append(out, ex)
		return nil
	})
	return out, err
}

// ReadArticles reads articles, one JSON object a line.
func ReadArticles(r io.Reader, name string) ([]Article, error) {
	var out []Article
	err := eachLine(r, name, func(line []byte, n int) error {
		var a Article
		if err := strictUnmarshal(line, &a); err != nil {
			return err
		}
		if a.Incident == "" || len(a.Paragraphs) == 0 {
			return errors.New("article without incident or paragraphs")
		}
		for _, p := range a.Paragraphs {
			for _, s := range p {
				if _, err := (jsonSentence{Text: s.Text, Label: s.Label, Also: s.Also, Incident: a.Incident}).example(""); err != nil {
					return fmt.Errorf("article %s: %w", a.ID, err)
				}
			}
		}
		out = append(out, a)
		return nil
	})
	return out, err
}

// Examples returns the article's sentences as examples.
func (a Article) Examples(file string) []Example {
	var out []Example
	for i, p := range a.Paragraphs {
		for j, s := range p {
			ex, _ := (jsonSentence{Text: s.Text, Label: s.Label, Also: s.Also, Incident: a.Incident}).example(fmt.Sprintf("%s:%s:%d:%d", file, a.ID, i+1, j+1))
			out = append(out, ex)
		}
	}
	return out
}

func strictUnmarshal(line []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(line)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

func eachLine(r io.Reader, name string, fn func(line []byte, n int) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		if err := fn(line, n); err != nil {
			return &ParseError{File: name, Line: n, Err: err}
		}
	}
	if err := sc.Err(); err != nil {
		return &ParseError{File: name, Line: n + 1, Err: err}
	}
	return nil
}

// Corpus is the labeled corpus: single sentences and articles, in a train
// and a test split.
type Corpus struct {
	Train, Test                 []Example
	TrainArticles, TestArticles []Article
	// SHA256 is the hash of the corpus files' names and contents, hex.
	SHA256 string
}

// LoadCorpus reads every *.jsonl file at the root of fsys. Files whose
// names contain "test" form the test split; files whose names start with
// "articles" hold articles, the rest single sentences. Article sentences
// join their split's examples.
func LoadCorpus(fsys fs.FS) (*Corpus, error) {
	names, err := fs.Glob(fsys, "*.jsonl")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("classifier: corpus has no *.jsonl files")
	}
	slices.Sort(names)
	c := &Corpus{}
	h := sha256.New()
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(data))
		h.Write(data)
		test := strings.Contains(name, "test")
		if strings.HasPrefix(path.Base(name), "articles") {
			arts, err := ReadArticles(strings.NewReader(string(data)), name)
			if err != nil {
				return nil, err
			}
			for _, a := range arts {
				if test {
					c.TestArticles = append(c.TestArticles, a)
					c.Test = append(c.Test, a.Examples(name)...)
				} else {
					c.TrainArticles = append(c.TrainArticles, a)
					c.Train = append(c.Train, a.Examples(name)...)
				}
			}
			continue
		}
		exs, err := ReadExamples(strings.NewReader(string(data)), name)
		if err != nil {
			return nil, err
		}
		if test {
			c.Test = append(c.Test, exs...)
		} else {
			c.Train = append(c.Train, exs...)
		}
	}
	c.SHA256 = hex.EncodeToString(h.Sum(nil))
	return c, nil
}
