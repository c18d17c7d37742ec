package classifier

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/sugarme/tokenizer"
	"github.com/sugarme/tokenizer/model/wordpiece"
	"github.com/sugarme/tokenizer/pretrained"
	"golang.org/x/text/unicode/norm"
)

// Token is one WordPiece token of a text.
type Token struct {
	// ID is the token's id in the WordPiece vocabulary.
	ID int
	// Start and End are UTF-8 byte offsets into the tokenized text, End
	// exclusive: the original characters the piece was made from. Pieces
	// made from one character (a Hangul syllable split into jamo) share its
	// span; characters dropped in normalization (accents, zero-width
	// characters) belong to no piece.
	Start, End int
}

// Tokenizer turns text into BERT-style uncased WordPiece tokens.
//
// It loads a Hugging Face tokenizer.json with sugarme's
// [pretrained.FromReader] and uses sugarme's WordPiece model for the vocabulary
// and the longest-match split of each word. Normalization (cleaning, lower
// case, accent stripping) and pre-tokenization (whitespace, punctuation and
// CJK splits) are the project's own: they work on the original bytes, so
// offsets stay right after multi-byte characters, and they treat every
// Unicode space (such as U+00A0) as a space and strip accents ("café" is
// "cafe"), where sugarme v0.3.0's pipeline gives [UNK].
//
// A Tokenizer caches the pieces of each distinct word it has seen, up to a
// bound; it is safe for concurrent use.
type Tokenizer struct {
	wp       *wordpiece.WordPiece
	pieces   []string // id -> vocabulary entry
	unkID    int
	identity string
	cache    wordCache
	// reference is sugarme's full pipeline, kept for the differential tests.
	reference *tokenizer.Tokenizer
}

// NewTokenizer loads a tokenizer.json holding a WordPiece model with a BERT
// normalizer and pre-tokenizer. It returns an error if the file does not
// parse or its model is not WordPiece.
func NewTokenizer(tokenizerJSON []byte) (*Tokenizer, error) {
	ref, err := pretrained.FromReader(bytes.NewReader(tokenizerJSON))
	if err != nil {
		return nil, fmt.Errorf("classifier: load tokenizer: %w", err)
	}
	wp, ok := ref.GetModel().(*wordpiece.WordPiece)
	if !ok {
		return nil, fmt.Errorf("classifier: load tokenizer: model is %T, want WordPiece", ref.GetModel())
	}
	vocab := wp.GetVocab()
	pieces := make([]string, len(vocab))
	for piece, id := range vocab {
		if id < 0 || id >= len(pieces) {
			return nil, fmt.Errorf("classifier: load tokenizer: vocabulary id %d of %q out of range", id, piece)
		}
		pieces[id] = piece
	}
	unk, ok := vocab["[UNK]"]
	if !ok {
		return nil, errors.New("classifier: load tokenizer: vocabulary has no [UNK]")
	}
	sum := sha256.Sum256(tokenizerJSON)
	t := &Tokenizer{
		wp:        wp,
		pieces:    pieces,
		unkID:     unk,
		identity:  "bert-uncased-wordpiece sha256:" + hex.EncodeToString(sum[:]),
		reference: ref,
	}
	t.cache.init()
	return t, nil
}

// Identity names the tokenizer by the SHA-256 of its tokenizer.json. A model
// records the identity it was trained with and refuses any other.
func (t *Tokenizer) Identity() string { return t.identity }

// Piece returns the vocabulary entry of a token id, or "" if there is none.
func (t *Tokenizer) Piece(id int) string {
	if id < 0 || id >= len(t.pieces) {
		return ""
	}
	return t.pieces[id]
}

// Tokenize returns the tokens of text in order.
func (t *Tokenizer) Tokenize(text string) []Token {
	var toks []Token
	t.eachWord(text, func(w *word, start int) bool {
		for _, p := range w.pieces {
			toks = append(toks, Token{ID: int(p.id), Start: start + int(p.start), End: start + int(p.end)})
		}
		return true
	})
	return toks
}

// word is what the tokenizer knows of one distinct word: its normalized
// form and its WordPiece split. Words are shared through the cache and never
// changed after they are made.
type word struct {
	norm   string  // lower case, accents stripped, control characters removed
	hash   uint64  // feature hash of norm
	pieces []piece // empty when nothing is left after normalization
}

// piece is one WordPiece token of a word, with byte offsets relative to the
// start of the word in the original text.
type piece struct {
	id         int32
	start, end int32
}

// eachWord calls fn with every word of text in order, with the byte offset
// where the word starts, until fn returns false. Words are BERT's: runs of
// letters and digits, each punctuation character, each CJK ideograph.
func (t *Tokenizer) eachWord(text string, fn func(w *word, start int) bool) {
	i := 0
	for i < len(text) {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		switch charClass(r, size) {
		case charSpace, charRemoved:
			i += size
			continue
		case charAlone:
			if w := t.lookup(text[i : i+size]); len(w.pieces) > 0 {
				if !fn(w, i) {
					return
				}
			}
			i += size
			continue
		}
		// A run of word characters; removed characters inside do not split it.
		j := i + size
		for j < len(text) {
			r, size := rune(text[j]), 1
			if r >= utf8.RuneSelf {
				r, size = utf8.DecodeRuneInString(text[j:])
			}
			if c := charClass(r, size); c != charWord && c != charRemoved {
				break
			}
			j += size
		}
		if w := t.lookup(text[i:j]); len(w.pieces) > 0 {
			if !fn(w, i) {
				return
			}
		}
		i = j
	}
}

type class uint8

const (
	charWord    class = iota // part of a word
	charSpace                // splits words, not a token
	charRemoved              // dropped: control and format characters, invalid bytes
	charAlone                // a token of its own: punctuation and CJK ideographs
)

// charClass classifies a rune as BERT's basic tokenizer does. size is the
// rune's width in bytes, which tells a real U+FFFD from an invalid byte.
func charClass(r rune, size int) class {
	if r < utf8.RuneSelf {
		switch {
		case r == ' ' || r == '\t' || r == '\n' || r == '\r':
			return charSpace
		case r < 0x20 || r == 0x7f:
			return charRemoved
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z':
			return charWord
		default:
			return charAlone // every other printable ASCII character is punctuation
		}
	}
	switch {
	case r == utf8.RuneError: // invalid UTF-8 (size 1) or a literal U+FFFD: both dropped
		return charRemoved
	case unicode.Is(unicode.Zs, r) || r == 0x2028 || r == 0x2029 || r == 0x85:
		return charSpace
	case unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs):
		return charRemoved
	case unicode.IsPunct(r) || isCJK(r):
		return charAlone
	}
	return charWord
}

// isCJK reports whether r is in one of the CJK ideograph blocks that BERT
// splits into single characters.
func isCJK(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) ||
		(r >= 0x20000 && r <= 0x2A6DF) || (r >= 0x2A700 && r <= 0x2B73F) ||
		(r >= 0x2B740 && r <= 0x2B81F) || (r >= 0x2B820 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) || (r >= 0x2F800 && r <= 0x2FA1F)
}

// lookup returns the word for an original substring, from the cache or made
// and cached.
func (t *Tokenizer) lookup(orig string) *word {
	if len(orig) > maxCachedWordBytes {
		return t.makeWord(orig)
	}
	if w := t.cache.get(orig); w != nil {
		return w
	}
	w := t.makeWord(orig)
	t.cache.put(strings.Clone(orig), w)
	return w
}

// makeWord normalizes one word and splits it into WordPiece tokens.
func (t *Tokenizer) makeWord(orig string) *word {
	var normalized strings.Builder
	// runeSpan[k] is the original byte span of the k-th normalized rune.
	type span struct{ start, end int32 }
	var runeSpan []span
	for i, r := range orig {
		size := utf8.RuneLen(r)
		if r == utf8.RuneError {
			size = 1
			if strings.HasPrefix(orig[i:], "\uFFFD") {
				size = 3
			}
		}
		if c := charClass(r, size); c == charRemoved || c == charSpace {
			continue
		}
		lower := unicode.ToLower(r)
		var decomposed [utf8.UTFMax * 4]byte
		for _, d := range string(norm.NFD.AppendString(decomposed[:0], string(lower))) {
			if unicode.Is(unicode.Mn, d) {
				continue
			}
			normalized.WriteRune(d)
			runeSpan = append(runeSpan, span{int32(i), int32(i + size)})
		}
	}
	w := &word{norm: normalized.String()}
	w.hash = hashString(seedWord, w.norm)
	if w.norm == "" {
		return w
	}
	toks, err := t.wp.Tokenize(w.norm)
	if err != nil || len(toks) == 0 {
		w.pieces = []piece{{id: int32(t.unkID), start: 0, end: int32(len(orig))}}
		return w
	}
	w.pieces = make([]piece, len(toks))
	for k, tok := range toks {
		p := piece{id: int32(tok.Id), start: 0, end: int32(len(orig))}
		if tok.Value != "[UNK]" && len(tok.Offsets) == 2 && tok.Offsets[0] < tok.Offsets[1] && tok.Offsets[1] <= len(runeSpan) {
			p.start = runeSpan[tok.Offsets[0]].start
			p.end = runeSpan[tok.Offsets[1]-1].end
		}
		w.pieces[k] = p
	}
	return w
}

// wordCache maps original words to their normalized form and pieces. It is
// split into shards, each with its own lock, so that concurrent requests
// rarely wait on each other; each shard stops growing at maxWordsPerShard
// entries and words beyond are made afresh each time.
type wordCache struct {
	shards [64]cacheShard
}

type cacheShard struct {
	mu    sync.RWMutex
	words map[string]*word // protected by mu
}

const maxWordsPerShard = 4096

// maxCachedWordBytes bounds the words the cache keeps. A longer word would
// cost its length twice over for as long as the process runs, and one
// longer than BERT's 100 characters is a single [UNK] anyway.
const maxCachedWordBytes = 128

func (c *wordCache) init() {
	for i := range c.shards {
		c.shards[i].words = make(map[string]*word)
	}
}

func (c *wordCache) shard(key string) *cacheShard {
	return &c.shards[hashString(0, key)&63]
}

func (c *wordCache) get(key string) *word {
	s := c.shard(key)
	s.mu.RLock()
	w := s.words[key]
	s.mu.RUnlock()
	return w
}

func (c *wordCache) put(key string, w *word) {
	s := c.shard(key)
	s.mu.Lock()
	if len(s.words) < maxWordsPerShard {
		s.words[key] = w
	}
	s.mu.Unlock()
}

// referenceTokens runs sugarme's own full pipeline (normalizer,
// pre-tokenizer, WordPiece) on text; the tests compare it with Tokenize.
func (t *Tokenizer) referenceTokens(text string) ([]Token, error) {
	enc, err := t.reference.EncodeSingle(text, false)
	if err != nil {
		return nil, err
	}
	ids, offs := enc.GetIds(), enc.GetOffsets()
	toks := make([]Token, len(ids))
	for i := range ids {
		toks[i] = Token{ID: ids[i], Start: offs[i][0], End: offs[i][1]}
	}
	return toks, nil
}
