package segment

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Span is one sentence of a text: the bytes text[Start:End]. Start and End
// are UTF-8 byte offsets with End exclusive. A Span returned by this package
// is never empty and neither starts nor ends with white space.
type Span struct {
	Start, End int
}

// Split returns the sentences of text in order. It is AppendSpans(nil, text).
//
// Split accepts any string, including invalid UTF-8 and NUL bytes, and runs
// in time linear in len(text). It is safe for concurrent use.
func Split(text string) []Span {
	return AppendSpans(nil, text)
}

// AppendSpans appends the sentences of text to dst, in order, and returns the
// extended slice. Apart from growing dst it allocates nothing, so a caller
// that reuses its slice (spans = AppendSpans(spans[:0], text)) splits without
// allocating.
//
// AppendSpans accepts any string, including invalid UTF-8 and NUL bytes, and
// runs in time linear in len(text). Spans start and end on the boundaries of
// the runes that a forward decoding of text yields. AppendSpans is safe for
// concurrent use.
func AppendSpans(dst []Span, text string) []Span {
	s := scanner{text: text, dst: dst, start: -1}
	s.scan()
	return s.dst
}

// Byte classes of the scanner's main loop.
const (
	byteOther = iota // an ASCII byte with no role at a boundary
	byteSpace        // ASCII white space, line breaks included
	byteTerm         // '.', '?' or '!'
	byteHigh         // the first byte of a non-ASCII rune, or an invalid byte
)

// byteClass maps each byte to its class. It is never written after
// construction.
var byteClass = func() (c [256]uint8) {
	for b := 0x80; b < 0x100; b++ {
		c[b] = byteHigh
	}
	for _, b := range "\t\n\v\f\r " {
		c[b] = byteSpace
	}
	c['.'], c['?'], c['!'] = byteTerm, byteTerm, byteTerm
	return c
}()

// Limits that keep look-behind and look-ahead constant per position.
const (
	maxAbbrevLen = 12 // longest word looked up as an abbreviation, in bytes
	maxWordLen   = 16 // longest word looked up in the word tables, in bytes
	maxOpeners   = 4  // opening quotes and brackets skipped before a word
	maxIntroLen  = 40 // an opening phrase ends this many bytes into a sentence
)

// scanner holds the state of one call to AppendSpans.
type scanner struct {
	text  string
	dst   []Span
	start int  // start of the open sentence; -1 when none is open
	last  int  // end of the open sentence's last non-space rune
	lower bool // the open sentence starts with a lower-case letter
	list  listMarker
}

// listMarker describes the list marker that opens a sentence ("2.", "b)").
type listMarker struct {
	next   int    // value of the marker that ends the item; 0 when no marker
	digits bool   // the marker is a number, not a letter
	sep    string // ".", ")" or ".)"
}

// scan splits s.text, appending to s.dst.
func (s *scanner) scan() {
	t := s.text
	for i := 0; i < len(t); {
		switch byteClass[t[i]] {
		case byteOther:
			if s.start < 0 {
				i = s.begin(i)
				continue
			}
			j := i + 1
			for j < len(t) && byteClass[t[j]] == byteOther {
				j++
			}
			s.last = j
			i = j
		case byteSpace:
			i = s.space(i)
		case byteTerm:
			if s.start < 0 {
				i = s.begin(i)
				continue
			}
			i = s.term(i)
		default:
			r, size := utf8.DecodeRuneInString(t[i:])
			switch {
			case unicode.IsSpace(r):
				i = s.space(i)
			case s.start < 0:
				i = s.begin(i)
			case r == '…':
				i = s.term(i)
			default:
				i += size
				s.last = i
			}
		}
	}
	s.end()
}

// end closes the open sentence, if any, at s.last.
func (s *scanner) end() {
	if s.start >= 0 && s.last > s.start {
		s.dst = append(s.dst, Span{s.start, s.last})
	}
	s.start = -1
}

// begin opens a sentence at i, the start of a non-space rune, and returns
// where scanning continues: after the sentence's list marker, if it has one,
// else i itself.
func (s *scanner) begin(i int) int {
	t := s.text
	s.start, s.last, s.list = i, i, listMarker{}
	j := i
	if n := bulletLen(t[j:]); n > 0 {
		j += n
		for j < len(t) && (t[j] == ' ' || t[j] == '\t') {
			j++
		}
	}
	if m, e, ok := parseMarker(t, j); ok {
		s.list, s.lower, s.last = m, false, e
		return e
	}
	s.lower = startsLower(t, i)
	return i
}

// space handles the run of white space at i and returns its end.
func (s *scanner) space(i int) int {
	w, breaks := skipSpace(s.text, i)
	if s.start < 0 || w == len(s.text) {
		return w
	}
	if breaks > 1 || breaks == 1 && !s.continues(w) || s.item(w) {
		s.end()
	}
	return w
}

// term handles the sentence mark ('.', '?', '!' or '…') at i and returns
// where scanning continues.
func (s *scanner) term(i int) int {
	t := s.text
	c := scanCluster(t, i)
	k := skipClosers(t, c.end)
	s.last = k
	if k == len(t) {
		s.end()
		return k
	}
	if !spaceAt(t, k) {
		return k
	}
	w, breaks := skipSpace(t, k)
	var stop bool
	switch {
	case w == len(t) || breaks > 1:
		stop = true
	case breaks == 1:
		stop = !s.continues(w)
	default:
		stop = s.boundary(i, k, c, readWord(t, w))
	}
	if stop || s.item(w) {
		s.end()
	}
	return w
}

// cluster is a run of sentence marks such as ".", "?!", "..." or ". . . .".
type cluster struct {
	end      int  // end of the run
	dots     int  // number of full stops
	marks    bool // the run holds a question or exclamation mark
	ellipsis bool // the run holds '…'
	spaced   bool // the full stops are separated by spaces
}

// scanCluster reads the run of sentence marks starting at i.
func scanCluster(t string, i int) cluster {
	c := cluster{end: i}
	for j := i; j < len(t); {
		switch b := t[j]; {
		case b == '.':
			c.dots++
			j++
		case b == '?' || b == '!':
			c.marks = true
			j++
		case b == 0xE2 && strings.HasPrefix(t[j:], "…"):
			c.ellipsis = true
			j += len("…")
		case b == ' ' && t[j-1] == '.' && j+1 < len(t) && t[j+1] == '.' && endsSpacedDot(t, j+2):
			c.spaced = true
			j++
			continue // a space never ends the run
		default:
			return c
		}
		c.end = j
	}
	return c
}

// endsSpacedDot reports whether a full stop before i can belong to a spaced
// ellipsis: it is followed by the end of text, white space, another full stop
// or a closing quote or bracket.
func endsSpacedDot(t string, i int) bool {
	return i == len(t) || t[i] == '.' || spaceAt(t, i) || closerLen(t[i:]) > 0
}

// boundary decides whether the sentence marks of c, which start at i and
// are followed by closing quotes or brackets up to k and then by white space
// within the line and next, end a sentence.
func (s *scanner) boundary(i, k int, c cluster, next word) bool {
	t := s.text
	plain := next.class != wordLower
	switch {
	case c.marks:
		return plain
	case c.ellipsis || c.dots > 1:
		if i > 0 && (t[i-1] == '[' || t[i-1] == '(') {
			return false // "[...]" marks an omission
		}
		if c.spaced && c.dots == 3 {
			return false // ". . ." marks an omission; ". . . ." ends
		}
		return plain
	case !apostrophes(t[c.end:k]):
		return plain // a closing quote or bracket ends the abbreviation
	}
	switch abbreviation(s.prevWord(i)) {
	case abbrTitle, abbrInline:
		return false
	case abbrNumber:
		return plain && next.class != wordDigit
	case abbrName:
		return next.class == wordUpper && next.starter()
	case abbrTime:
		switch next.class {
		case wordLower:
			return false
		case wordUpper:
			switch {
			case next.starter():
				return true
			case timeWords[next.text] && !next.dotted,
				strings.HasPrefix(t[next.end:], " time"):
				return false
			}
			return !s.intro(i)
		}
		return true
	}
	return plain
}

// prevWord returns the word that ends at i, the position of a full stop,
// without leading quotes, brackets or hyphenated prefixes; it returns "" if
// the word is longer than maxAbbrevLen.
func (s *scanner) prevWord(i int) string {
	t := s.text
	j := i
	for j > s.start {
		r, size := utf8.DecodeLastRuneInString(t[s.start:j])
		if unicode.IsSpace(r) || strings.ContainsRune(wordStops, r) {
			break
		}
		j -= size
		if i-j > maxAbbrevLen {
			return ""
		}
	}
	return t[j:i]
}

// wordStops are the characters that precede a word looked up as an
// abbreviation ("(Gen.", "Sino-U.S.", "U.S./E.U.").
const wordStops = "\"'([{“‘«—–-/"

// intro reports whether the full stop at i closes an opening phrase of the
// open sentence, as "At 5 a.m." does.
func (s *scanner) intro(i int) bool {
	if i-s.start > maxIntroLen {
		return false
	}
	w := readWord(s.text, s.start)
	return introWords[w.text] && !w.dotted
}

// continues reports whether the line that starts at w continues the open
// sentence: it starts with a lower-case letter and the sentence does not.
func (s *scanner) continues(w int) bool {
	if s.lower {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s.text[w:])
	return unicode.IsLower(r)
}

// item reports whether a list item starts at w: a bullet, or the marker that
// follows the open sentence's own list marker.
func (s *scanner) item(w int) bool {
	t := s.text
	if bulletLen(t[w:]) > 0 {
		return true
	}
	if s.list.next == 0 {
		return false
	}
	m, _, ok := parseMarker(t, w)
	return ok && m.next == s.list.next+1 && m.digits == s.list.digits && m.sep == s.list.sep
}

// parseMarker parses a list marker at i: one to three digits or a lower-case
// ASCII letter, then ".", ")" or ".)", then white space or the end of text.
// It returns the marker describing the next item and the marker's end.
func parseMarker(t string, i int) (listMarker, int, bool) {
	var m listMarker
	j := i
	for j < len(t) && j-i < 3 && '0' <= t[j] && t[j] <= '9' {
		m.next = m.next*10 + int(t[j]-'0')
		j++
	}
	switch {
	case j > i:
		m.digits = true
	case j < len(t) && 'a' <= t[j] && t[j] <= 'z':
		m.next = int(t[j])
		j++
	default:
		return listMarker{}, 0, false
	}
	if j == len(t) || t[j] != '.' && t[j] != ')' {
		return listMarker{}, 0, false
	}
	e := j + 1
	if t[j] == '.' && e < len(t) && t[e] == ')' {
		e++
	}
	if e < len(t) && !spaceAt(t, e) {
		return listMarker{}, 0, false
	}
	m.next++
	m.sep = t[j:e]
	return m, e, true
}

// skipSpace returns the end of the run of white space at i and the number of
// line breaks in it; a paragraph separator or form feed counts as two.
func skipSpace(t string, i int) (end, breaks int) {
	for i < len(t) {
		switch c := t[i]; c {
		case ' ', '\t':
			i++
		case '\n', '\v':
			breaks++
			i++
		case '\r':
			breaks++
			i++
			if i < len(t) && t[i] == '\n' {
				i++
			}
		case '\f':
			breaks += 2
			i++
		default:
			if c < utf8.RuneSelf {
				return i, breaks
			}
			r, size := utf8.DecodeRuneInString(t[i:])
			if !unicode.IsSpace(r) {
				return i, breaks
			}
			switch r {
			case '\u0085', '\u2028':
				breaks++
			case '\u2029':
				breaks += 2
			}
			i += size
		}
	}
	return i, breaks
}

// spaceAt reports whether a white-space rune starts at i < len(t).
func spaceAt(t string, i int) bool {
	if c := t[i]; c < utf8.RuneSelf {
		return byteClass[c] == byteSpace
	}
	r, _ := utf8.DecodeRuneInString(t[i:])
	return unicode.IsSpace(r)
}

// skipClosers returns the end of the run of closing quotes and brackets at i.
func skipClosers(t string, i int) int {
	for i < len(t) {
		n := closerLen(t[i:])
		if n == 0 {
			break
		}
		i += n
	}
	return i
}

// closerLen returns the length of the closing quote or bracket that starts
// t, or 0.
func closerLen(t string) int {
	if t == "" {
		return 0
	}
	switch t[0] {
	case '"', '\'', ')', ']', '}':
		return 1
	case 0xC2, 0xE2:
		switch r, size := utf8.DecodeRuneInString(t); r {
		case '”', '’', '»', '›':
			return size
		}
	}
	return 0
}

// openerLen returns the length of the opening quote or bracket that starts
// t, or 0.
func openerLen(t string) int {
	if t == "" {
		return 0
	}
	switch t[0] {
	case '"', '\'', '(', '[', '{':
		return 1
	case 0xC2, 0xE2:
		switch r, size := utf8.DecodeRuneInString(t); r {
		case '“', '‘', '«', '‹', '„':
			return size
		}
	}
	return 0
}

// bulletLen returns the length of the list bullet that starts t, or 0.
func bulletLen(t string) int {
	if t == "" || t[0] != 0xE2 {
		return 0
	}
	switch r, size := utf8.DecodeRuneInString(t); r {
	case '•', '‣', '⁃', '▪', '●', '◦':
		return size
	}
	return 0
}

// apostrophes reports whether t consists of apostrophes only, as after the
// possessive "U.S.’".
func apostrophes(t string) bool {
	for _, r := range t {
		if r != '\'' && r != '’' {
			return false
		}
	}
	return true
}

// startsLower reports whether the first letter of the sentence at i, after
// any bullets, opening quotes and brackets, is lower case.
func startsLower(t string, i int) bool {
	for n := 0; n < maxOpeners && i < len(t); n++ {
		k := openerLen(t[i:])
		if k == 0 {
			k = bulletLen(t[i:])
		}
		if k == 0 {
			break
		}
		i += k
	}
	if i == len(t) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t[i:])
	return unicode.IsLower(r)
}

// Classes of the word after a sentence mark.
const (
	wordOther = iota // a symbol, or nothing
	wordLower        // starts with a lower-case letter
	wordUpper        // starts with an upper-case letter
	wordDigit        // starts with a digit
)

// word is the word at some position, after opening quotes and brackets.
type word struct {
	class  uint8
	text   string // its leading ASCII letters, or "" when longer than maxWordLen
	end    int    // end of text in the scanned string
	dotted bool   // text is followed by a full stop, as in "Mr."
}

// starter reports whether w typically starts a sentence.
func (w word) starter() bool {
	return starters[w.text] && !w.dotted
}

// readWord reads the word at i, skipping up to maxOpeners opening quotes and
// brackets.
func readWord(t string, i int) word {
	for n := 0; n < maxOpeners && i < len(t); n++ {
		k := openerLen(t[i:])
		if k == 0 {
			break
		}
		i += k
	}
	w := word{end: i}
	if i == len(t) {
		return w
	}
	r, _ := utf8.DecodeRuneInString(t[i:])
	switch {
	case unicode.IsLower(r):
		w.class = wordLower
	case unicode.IsUpper(r) || unicode.IsTitle(r):
		w.class = wordUpper
	case unicode.IsDigit(r):
		w.class = wordDigit
		return w
	default:
		return w
	}
	j := i
	for j < len(t) && j-i <= maxWordLen && isASCIILetter(t[j]) {
		j++
	}
	if j-i > maxWordLen {
		return w
	}
	w.text, w.end = t[i:j], j
	w.dotted = j < len(t) && t[j] == '.'
	return w
}

func isASCIILetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
