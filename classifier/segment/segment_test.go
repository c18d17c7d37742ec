package segment

import (
	"bufio"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// articlePath is the project's example article, relative to this package.
const articlePath = "../../examples/apt31.txt"

// sentences returns the text of the spans of text.
func sentences(text string, spans []Span) []string {
	out := make([]string, len(spans))
	for i, s := range spans {
		out[i] = text[s.Start:s.End]
	}
	return out
}

func readArticle(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile(articlePath)
	if err != nil {
		tb.Fatalf("ReadFile(%q): %v", articlePath, err)
	}
	return string(b)
}

// TestSplitArticle checks the example article against the sentences of the
// labeling guide.
func TestSplitArticle(t *testing.T) {
	text := readArticle(t)
	want := []string{
		"The Chinese foreign ministry has described the US and UK’s accusations",
		"On Monday, state officials from either side of the Atlantic filed charges",
		"The US and UK have said that the campaign was carried out by",
		"US prosecutors have brought charges against seven alleged Chinese hackers",
		"At a press briefing on Tuesday, Chinese foreign ministry spokesperson Lin Jian said",
		"China on Tuesday urged the U.S. and Britain to stop politicising",
		`"China is strongly dissatisfied with this and firmly opposes it.”`,
		"The Chinese Embassy in London had earlier called the charges",
		"In his statement, Lin added that previously provided “technical clarifications",
		"The US and UK are not alone in accusing China",
		"Tensions between the west and China are at a high",
		"Beijing and Washington are locked in a microprocessor arms race",
		"Recent Stories",
	}
	got := sentences(text, Split(text))
	if len(got) != len(want) {
		t.Fatalf("Split(article) returned %d sentences, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w) {
			t.Errorf("Split(article) sentence %d = %q, want it to begin with %q", i+1, got[i], w)
		}
	}
	if last := got[len(got)-1]; last != "Recent Stories" {
		t.Errorf("Split(article) last sentence = %q, want %q", last, "Recent Stories")
	}
	if s := got[4]; !strings.HasSuffix(s, "individuals and entities,") {
		t.Errorf("Split(article) sentence 5 = %q, want it to end at the line break after the comma", s)
	}
}

// TestSplit covers news text that trips up sentence splitters.
func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"empty", "", nil},
		{"only white space", " \n\t\u00a0\r\n ", nil},
		{"no full stop", "China denies hacking claims", []string{"China denies hacking claims"}},
		{"U.S. before proper noun", "The U.S. Treasury sanctioned two firms. It said more would follow.",
			[]string{"The U.S. Treasury sanctioned two firms.", "It said more would follow."}},
		{"U.K. mid sentence", "Officials in the U.K. said the breach was serious.",
			[]string{"Officials in the U.K. said the breach was serious."}},
		{"U.K. at the end", "The hackers targeted the U.K. The government responded.",
			[]string{"The hackers targeted the U.K.", "The government responded."}},
		{"U.S. at the end of text", "The sanctions were imposed by the U.S.",
			[]string{"The sanctions were imposed by the U.S."}},
		{"U.S. before an official", "Hackers hit the U.S. Officials said the damage was limited.",
			[]string{"Hackers hit the U.S.", "Officials said the damage was limited."}},
		{"E.U. before a body", "The E.U. Council imposed sanctions. They target six people.",
			[]string{"The E.U. Council imposed sanctions.", "They target six people."}},
		{"U.S.-China", "The U.S.-China talks ended. Both sides left.",
			[]string{"The U.S.-China talks ended.", "Both sides left."}},
		{"titles", "Gen. Paul Nakasone testified. Sen. Marco Rubio and Rep. Mike Gallagher wrote to Gov. Newsom.",
			[]string{"Gen. Paul Nakasone testified.", "Sen. Marco Rubio and Rep. Mike Gallagher wrote to Gov. Newsom."}},
		{"stacked titles", "Lt. Col. John Smith led the unit.", []string{"Lt. Col. John Smith led the unit."}},
		{"Mr. Mrs. Ms. Dr. St.", "Mr. Li met Mrs. Jones, Ms. Lee and Dr. Jane Doe of St. Louis.",
			[]string{"Mr. Li met Mrs. Jones, Ms. Lee and Dr. Jane Doe of St. Louis."}},
		{"months", "The attack began on Jan. 15, 2024. It lasted until Sept. 3 and resumed in Aug. 2025.",
			[]string{"The attack began on Jan. 15, 2024.", "It lasted until Sept. 3 and resumed in Aug. 2025."}},
		{"company before lower case", "The firm, Integrity Technology Group Inc., was sanctioned.",
			[]string{"The firm, Integrity Technology Group Inc., was sanctioned."}},
		{"company at the end", "He works for Microsoft Corp. The company declined to comment.",
			[]string{"He works for Microsoft Corp.", "The company declined to comment."}},
		{"company possessive", "Apple Inc.'s chips and Acme Ltd.’s servers were hit.",
			[]string{"Apple Inc.'s chips and Acme Ltd.’s servers were hit."}},
		{"Jr.", "Martin Luther King Jr. Day passed. But Jr. Smith did not.",
			[]string{"Martin Luther King Jr. Day passed.", "But Jr. Smith did not."}},
		{"amounts", "Fines reached $10.5 million. Costs rose 3.5% in 2024. The ministry paid.",
			[]string{"Fines reached $10.5 million.", "Costs rose 3.5% in 2024.", "The ministry paid."}},
		{"version numbers", "Update to version 2.0.1 now. Version 2.0.1. It is safe.",
			[]string{"Update to version 2.0.1 now.", "Version 2.0.1.", "It is safe."}},
		{"times", "Mr. Smith left at 3 p.m. on Tuesday. The breach was found at 11 p.m. Officials then shut the servers.",
			[]string{"Mr. Smith left at 3 p.m. on Tuesday.", "The breach was found at 11 p.m.", "Officials then shut the servers."}},
		{"time zone", "The deadline is 5 p.m. ET on Friday.", []string{"The deadline is 5 p.m. ET on Friday."}},
		{"time then city time", "Talks start at 9 a.m. Beijing time.", []string{"Talks start at 9 a.m. Beijing time."}},
		{"opening time phrase", "At 5 a.m. Mr. Li was arrested.", []string{"At 5 a.m. Mr. Li was arrested."}},
		{"vs. and e.g.", "The case is U.S. vs. Zhang. Tools, e.g. Cobalt Strike, i.e. malware, were used.",
			[]string{"The case is U.S. vs. Zhang.", "Tools, e.g. Cobalt Strike, i.e. malware, were used."}},
		{"etc.", "They stole emails, files, etc. The ministry denied it.",
			[]string{"They stole emails, files, etc.", "The ministry denied it."}},
		{"No.", "No. 10 Downing Street said no. The embassy disagreed.",
			[]string{"No. 10 Downing Street said no.", "The embassy disagreed."}},
		{"case number in brackets", "It was filed in court (Case No. 24-cr-1). The judge agreed.",
			[]string{"It was filed in court (Case No. 24-cr-1).", "The judge agreed."}},
		{"quote then said", `"We deny it," the embassy said. "The claims are false."`,
			[]string{`"We deny it," the embassy said.`, `"The claims are false."`}},
		{"curly quote closes", "The ministry called it “slander.” It urged restraint.",
			[]string{"The ministry called it “slander.”", "It urged restraint."}},
		{"question in quote", "He asked, “Who benefits?” and left. Nobody answered!",
			[]string{"He asked, “Who benefits?” and left.", "Nobody answered!"}},
		{"question and exclamation", "Why would China do this? Nobody knows! 2024 was worse?! Yes.",
			[]string{"Why would China do this?", "Nobody knows!", "2024 was worse?!", "Yes."}},
		{"bracket after full stop", "APT31 hacked lawmakers (including Sen. Smith.) The ministry denied it.",
			[]string{"APT31 hacked lawmakers (including Sen. Smith.)", "The ministry denied it."}},
		{"ellipsis", "He said the talks were ... difficult. Then he left... The end…",
			[]string{"He said the talks were ... difficult.", "Then he left...", "The end…"}},
		{"unicode ellipsis", "It was over… The next day, talks resumed… slowly.",
			[]string{"It was over…", "The next day, talks resumed… slowly."}},
		{"initials", "Jonas E. Smith wrote the report. J.R.R. Tolkien did not. Neither did Plan B. The end.",
			[]string{"Jonas E. Smith wrote the report.", "J.R.R. Tolkien did not.", "Neither did Plan B.", "The end."}},
		{"email and web", "Write to press@example.com. See https://example.com/a.b for more.",
			[]string{"Write to press@example.com.", "See https://example.com/a.b for more."}},
		{"headlines", "Recent Stories\nChina denies hacking claims\nRead more",
			[]string{"Recent Stories", "China denies hacking claims", "Read more"}},
		{"paragraph break before lower case", "First paragraph ends here\n\nsecond starts lower case",
			[]string{"First paragraph ends here", "second starts lower case"}},
		{"wrapped line", "The ministry said the charges were\nfabricated and malicious.",
			[]string{"The ministry said the charges were\nfabricated and malicious."}},
		{"comma at the end of a line", "Lin said: “It is pure manoeuvring,\nChina on Tuesday urged restraint.",
			[]string{"Lin said: “It is pure manoeuvring,", "China on Tuesday urged restraint."}},
		{"abbreviation at the end of a line", "Sanctions came from the U.S.\nGovernment officials agreed.",
			[]string{"Sanctions came from the U.S.", "Government officials agreed."}},
		{"CRLF", "Line one\r\nLine two.\r\n", []string{"Line one", "Line two."}},
		{"non-breaking spaces", "Hello\u00a0world.\u00a0Next sentence.\u2029Third",
			[]string{"Hello\u00a0world.", "Next sentence.", "Third"}},
		{"numbered list", "1. Sanctions 2. Indictments 3. Expulsions",
			[]string{"1. Sanctions", "2. Indictments", "3. Expulsions"}},
		{"bullets", "Top stories • China denies hacking • UK summons envoy",
			[]string{"Top stories", "• China denies hacking", "• UK summons envoy"}},
		{"quoted abbreviation ends", `He praised the "U.S." Then he left.`,
			[]string{`He praised the "U.S."`, "Then he left."}},
		{"full stop before digit", "Prices rose in 2023. 2024 was worse.",
			[]string{"Prices rose in 2023.", "2024 was worse."}},
		{"NUL bytes", "a\x00b. C\x00.", []string{"a\x00b.", "C\x00."}},
		{"invalid UTF-8", "\xff\xfe. \xc3 Hi.", []string{"\xff\xfe.", "\xc3 Hi."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := sentences(tt.text, Split(tt.text))
			if len(got) == 0 && len(tt.want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Split(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

// goldenCase is one line of testdata/golden-rules-en.jsonl.
type goldenCase struct {
	Name      string   `json:"name"`
	Text      string   `json:"text"`
	Sentences []string `json:"sentences"`
}

// TestGoldenRules runs the English Golden Rules and reports the pass count.
func TestGoldenRules(t *testing.T) {
	const minPass = 48
	f, err := os.Open("testdata/golden-rules-en.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []goldenCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var c goldenCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("golden rules line %d: %v", len(cases)+1, err)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	pass := 0
	for _, c := range cases {
		got := sentences(c.Text, Split(c.Text))
		want := make([]string, len(c.Sentences))
		for i, s := range c.Sentences {
			want[i] = strings.TrimSpace(s)
		}
		if reflect.DeepEqual(got, want) {
			pass++
			continue
		}
		t.Logf("golden rule %q: Split(%q)\n got %q\nwant %q", c.Name, c.Text, got, want)
	}
	t.Logf("golden rules: %d/%d pass", pass, len(cases))
	if pass < minPass {
		t.Errorf("golden rules: %d/%d pass, want at least %d", pass, len(cases), minPass)
	}
}

// checkSpans reports a test error for each invariant that spans break.
func checkSpans(t *testing.T, text string, spans []Span) {
	t.Helper()
	// Rune starts of a forward decoding; for valid UTF-8 these are the
	// only rune boundaries.
	starts := make([]bool, len(text)+1)
	for i := range text {
		starts[i] = true
	}
	starts[len(text)] = true
	isSpace := func(s string) bool {
		for _, r := range s {
			if !unicode.IsSpace(r) {
				return false
			}
		}
		return true
	}
	prev := 0
	for i, s := range spans {
		switch {
		case s.Start < prev || s.End > len(text):
			t.Fatalf("Split(%q) span %d = %v: out of order or out of bounds (previous end %d, len %d)", text, i, s, prev, len(text))
		case s.Start >= s.End:
			t.Fatalf("Split(%q) span %d = %v: empty", text, i, s)
		case !starts[s.Start] || !starts[s.End]:
			t.Fatalf("Split(%q) span %d = %v: not on rune boundaries", text, i, s)
		}
		sent := text[s.Start:s.End]
		first, _ := utf8.DecodeRuneInString(sent)
		if unicode.IsSpace(first) || isSpace(lastRune(sent)) {
			t.Errorf("Split(%q) span %d = %q: not trimmed", text, i, sent)
		}
		if gap := text[prev:s.Start]; !isSpace(gap) {
			t.Errorf("Split(%q): text %q before span %d is not white space", text, gap, i)
		}
		prev = s.End
	}
	if gap := text[prev:]; !isSpace(gap) {
		t.Errorf("Split(%q): text %q after the last span is not white space", text, gap)
	}
}

// lastRune returns the last rune of s in a forward decoding, as a string.
func lastRune(s string) string {
	last := 0
	for i := range s {
		last = i
	}
	return s[last:]
}

// invariantInputs are texts for the invariant test and the fuzz seeds.
var invariantInputs = []string{
	"",
	" ",
	".",
	"...",
	". . . .",
	"?!",
	"U.S.",
	"1.",
	"a.",
	"• 9.",
	"•",
	"\n\n",
	"Hello World. My name is Jonas.",
	"I live in the U.S. How about you?",
	"At 5 a.m. Mr. Smith went to the bank. He left the bank at 6 P.M. Mr. Smith then went to the store.",
	"1.) The first item 2.) The second item",
	"• 9. The first item • 10. The second item",
	"a. The first item b. The second item c. The third list item",
	"features\ncontact manager\nevents, activities\n",
	"It was a cold \nnight in the city.",
	"Thoreau argues that by simplifying one’s life, “the laws of the universe will appear less complex. . . .”",
	"\"Bohr [...] used the analogy of parallel stairways [...]\" (Smith 55).",
	"She turned to him, \"This is great.\" She held the book out to show him.",
	"Hello\u00a0world.\u00a0Next\u2028line\u0085x\u2029y\u3000z.",
	"\xff\xfe\xfd. \xe2\x80. \xe2\x80\xa6\xe2\x80\x9d \xc2\x85. \xc2",
	"a\x00b. \x00C.",
	"“”‘’«».”’ ).",
	"Mr.\nSmith. U.S.\n\ngov. e.g. .5 5. 5.) b) c.",
}

// TestInvariants checks the span invariants on hand-picked inputs.
func TestInvariants(t *testing.T) {
	for _, text := range invariantInputs {
		checkSpans(t, text, Split(text))
	}
	article := readArticle(t)
	checkSpans(t, article, Split(article))
}

// TestAppendSpans checks that AppendSpans keeps dst and matches Split.
func TestAppendSpans(t *testing.T) {
	text := readArticle(t)
	prefix := []Span{{1, 2}, {3, 4}}
	got := AppendSpans(prefix, text)
	if want := append([]Span{{1, 2}, {3, 4}}, Split(text)...); !reflect.DeepEqual(got, want) {
		t.Errorf("AppendSpans(%v, article) = %v, want %v", prefix, got, want)
	}
}

// TestAppendSpansAllocs checks that a reused dst makes AppendSpans allocate
// nothing.
func TestAppendSpansAllocs(t *testing.T) {
	text := readArticle(t)
	dst := AppendSpans(nil, text)
	allocs := testing.AllocsPerRun(100, func() {
		dst = AppendSpans(dst[:0], text)
	})
	if allocs != 0 {
		t.Errorf("AppendSpans(dst[:0], article) allocates %v times, want 0", allocs)
	}
}

// TestSplitPathological checks that adversarial megabyte inputs finish
// quickly; a quadratic scan would not.
func TestSplitPathological(t *testing.T) {
	const n = 1 << 20
	inputs := map[string]string{
		"letters":       strings.Repeat("a", n),
		"spaces":        strings.Repeat(" ", n),
		"newlines":      strings.Repeat("\n", n),
		"dots":          strings.Repeat(".", n),
		"spaced dots":   strings.Repeat(". ", n/2),
		"dot letter":    strings.Repeat("a.", n/2),
		"abbreviations": strings.Repeat("U.S. ", n/5),
		"times":         strings.Repeat("At 5 a.m. Mr ", n/13),
		"openers":       "a. " + strings.Repeat("(", n),
		"closers":       "a." + strings.Repeat(")", n),
		"list":          strings.Repeat("1. a ", n/5),
		"bullets":       strings.Repeat("• ", n/4),
		"invalid":       strings.Repeat("\xff.", n/2),
		"nul":           strings.Repeat("\x00", n),
	}
	for name, text := range inputs {
		t.Run(name, func(t *testing.T) {
			checkSpans(t, text, Split(text))
		})
	}
}

func FuzzSplit(f *testing.F) {
	for _, text := range invariantInputs {
		f.Add(text)
	}
	f.Fuzz(func(t *testing.T, text string) {
		spans := Split(text)
		checkSpans(t, text, spans)
		prefix := []Span{{0, 0}}
		if got := AppendSpans(prefix, text); len(got) != len(spans)+1 || got[0] != prefix[0] || !slices.Equal(got[1:], spans) {
			t.Errorf("AppendSpans(%v, %q) = %v, want %v followed by %v", prefix, text, got, prefix, spans)
		}
	})
}

// BenchmarkSplit measures throughput on the example article, alone and
// repeated to 1 MB.
func BenchmarkSplit(b *testing.B) {
	article := readArticle(b)
	long := strings.Repeat(article+"\n\n", 1<<20/len(article))
	for _, bm := range []struct {
		name string
		text string
	}{
		{"article", article},
		{"1MB", long},
	} {
		b.Run(bm.name+"/reuse", func(b *testing.B) {
			dst := AppendSpans(nil, bm.text)
			b.SetBytes(int64(len(bm.text)))
			b.ReportAllocs()
			for b.Loop() {
				dst = AppendSpans(dst[:0], bm.text)
			}
		})
		b.Run(bm.name+"/Split", func(b *testing.B) {
			b.SetBytes(int64(len(bm.text)))
			b.ReportAllocs()
			for b.Loop() {
				Split(bm.text)
			}
		})
	}
}
