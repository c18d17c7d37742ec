package classifier

import (
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FeatureConfig says which features the model reads from a sentence. It is
// stored in the model file, so a model is always read the way it was trained.
type FeatureConfig struct {
	// HashBits sets the size of the weight table: 2^HashBits feature slots.
	HashBits int `json:"hash_bits"`
	// Words adds each normalized word ("denied", "apt31", "“").
	Words bool `json:"words"`
	// Bigrams adds each pair of adjacent words, with sentence start and end.
	Bigrams bool `json:"bigrams"`
	// Trigrams adds each run of three adjacent words.
	Trigrams bool `json:"trigrams,omitempty"`
	// Pieces adds the WordPiece pieces of words that split into several, so
	// that unseen words share evidence with known ones ("hack", "##ers").
	Pieces bool `json:"pieces"`
	// Actors maps names of states, hacking groups, agencies, companies and
	// spokespeople to a class token and adds words and bigrams with the
	// class in place of the name, so that the model learns roles, not names.
	Actors bool `json:"actors"`
	// Cues maps words that signal the labelled acts (measures,
	// attribution, dismissal, evidence, hedges, reporting verbs, negation,
	// page furniture, attacks; see cues.go) to a cue class, added like
	// actor classes, and adds each pair of classes that the sentence holds
	// (actor classes among them when Actors is set too).
	Cues bool `json:"cues,omitempty"`
	// Lead adds the sentence's first three words (punctuation and quotes
	// do not count) again, marked as leading, and the actor or cue classes
	// among them: a mixed sentence's primary act is the one it leads with.
	Lead bool `json:"lead,omitempty"`
	// Shape adds the sentence's final punctuation, opening quote, length
	// bucket and title case: cues to headlines, furniture and quotes.
	Shape bool `json:"shape"`
	// MaxTokens is the longest sentence the model reads, in WordPiece
	// tokens; longer sentences are truncated.
	MaxTokens int `json:"max_tokens"`
}

// DefaultFeatureConfig returns the feature set of the default model,
// chosen by cross-validation on the training split (see models/README.md).
func DefaultFeatureConfig() FeatureConfig {
	return FeatureConfig{
		HashBits:  20,
		Words:     true,
		Bigrams:   true,
		Pieces:    true,
		Actors:    true,
		Cues:      true,
		Lead:      true,
		Shape:     true,
		MaxTokens: 256,
	}
}

func (c FeatureConfig) validate() error {
	if c.HashBits < 8 || c.HashBits > 22 {
		return fmt.Errorf("hash_bits %d outside 8..22", c.HashBits)
	}
	if c.MaxTokens < 1 {
		return fmt.Errorf("max_tokens %d below 1", c.MaxTokens)
	}
	if !c.Words && !c.Bigrams && !c.Trigrams && !c.Pieces && !c.Actors && !c.Cues && !c.Lead && !c.Shape {
		return fmt.Errorf("no feature enabled")
	}
	return nil
}

// Hash seeds keep the kinds of features apart in the hashed table.
const (
	seedWord uint64 = 0x9ae16a3b2f90404f + iota
	seedPiece
	seedClass
	seedShape
	seedBigram
	seedClassBigram
	seedTrigram
	seedClassPair
	seedLead
	seedLeadClass
)

// leadWords is how many of a sentence's first words (tokens with a letter or
// digit) the Lead features mark.
const leadWords = 3

// FNV-1a, 64 bits.
func hashString(seed uint64, s string) uint64 {
	h := uint64(14695981039346656037) ^ seed
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mix combines two hashes into one (splitmix64 finalizer).
func mix(a, b uint64) uint64 {
	z := a*0x9e3779b97f4a7c15 ^ b
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

var (
	hashStart = hashString(seedWord, "<s>")
	hashEnd   = hashString(seedWord, "</s>")
)

// featurizer turns the words of a sentence into hashed features. It holds
// only tables made once; it is safe for concurrent use.
type featurizer struct {
	cfg    FeatureConfig
	tok    *Tokenizer
	actors actorTable
}

func newFeaturizer(cfg FeatureConfig, tok *Tokenizer) *featurizer {
	return &featurizer{cfg: cfg, tok: tok, actors: newActorTable()}
}

// sentenceFeatures is the output of featurize: hashed features, each worth
// 1/sqrt(len(hashes)), and optionally their readable names.
type sentenceFeatures struct {
	hashes    []uint64
	names     []string // filled only when explaining
	truncated bool
}

func (sf *sentenceFeatures) reset() {
	sf.hashes = sf.hashes[:0]
	sf.names = sf.names[:0]
	sf.truncated = false
}

// featurize appends the features of sentence to sf. With explain set it
// also records a name for each feature, which costs allocations; the plain
// path allocates nothing once sf's buffers have grown.
func (f *featurizer) featurize(sentence string, sf *sentenceFeatures, explain bool) {
	cfg := &f.cfg
	// add records a feature; its name, kind:first or kind:first|second,
	// is only built when explaining, to keep the plain path free of
	// allocations.
	add := func(h uint64, kind, first, second string) {
		sf.hashes = append(sf.hashes, h)
		if explain {
			name := kind + ":" + first
			if second != "" {
				name += "|" + second
			}
			sf.names = append(sf.names, name)
		}
	}
	prevHash, prevName := hashStart, "<s>"
	prev2Hash, prev2Name := hashStart, "<s>"
	prevClass, prevClassName := hashStart, "<s>"
	nTokens, nWords, nTitle := 0, 0, 0
	nLead := 0             // words with a letter or digit so far
	var classesSeen uint32 // bit c set when class c occurs
	f.tok.eachWord(sentence, func(w *word, start int) bool {
		if nTokens+len(w.pieces) > cfg.MaxTokens {
			sf.truncated = true
			return false
		}
		nTokens += len(w.pieces)
		nWords++
		if r, _ := utf8.DecodeRuneInString(sentence[start:]); unicode.IsUpper(r) && len(w.norm) > 3 {
			nTitle++
		}
		if cfg.Words {
			add(w.hash, "word", w.norm, "")
		}
		leading := false
		if cfg.Lead && nLead < leadWords && hasLetterOrDigit(w.norm) {
			nLead++
			leading = true
			add(mix(seedLead, w.hash), "lead", w.norm, "")
		}
		if cfg.Bigrams {
			add(mix(prevHash^seedBigram, w.hash), "bigram", prevName, w.norm)
		}
		if cfg.Trigrams && nWords > 1 {
			first := prev2Name
			if explain {
				first += "|" + prevName
			}
			add(mix(mix(prev2Hash^seedTrigram, prevHash), w.hash), "trigram", first, w.norm)
		}
		if cfg.Pieces && len(w.pieces) > 1 {
			for _, p := range w.pieces {
				add(mix(seedPiece, uint64(p.id)), "piece", f.tok.Piece(int(p.id)), "")
			}
		}
		curClass, curClassName := w.hash, w.norm
		if cfg.Actors || cfg.Cues {
			c := f.classEnabled(f.actors.words[w.norm])
			if c2 := f.classEnabled(f.actors.pairs[mix(prevHash, w.hash)]); c2 != 0 {
				c = c2 // a two-word name such as "north korea"
			}
			if c != 0 {
				classesSeen |= 1 << c
				if leading {
					add(mix(seedLeadClass, uint64(c)), "leadclass", actorClassNames[c], "")
				}
				name := actorClassNames[c]
				curClass, curClassName = mix(seedClass, uint64(c)), name
				add(curClass, "class", name, "")
			}
			if c != 0 || prevClass != prevHash {
				add(mix(prevClass^seedClassBigram, curClass), "classbigram", prevClassName, curClassName)
			}
		}
		prev2Hash, prev2Name = prevHash, prevName
		prevHash, prevName = w.hash, w.norm
		prevClass, prevClassName = curClass, curClassName
		return true
	})
	if cfg.Bigrams && nWords > 0 {
		add(mix(prevHash^seedBigram, hashEnd), "bigram", prevName, "</s>")
	}
	if cfg.Cues {
		for a := uint8(1); a < numClasses; a++ {
			if classesSeen&(1<<a) == 0 {
				continue
			}
			for b := a + 1; b < numClasses; b++ {
				if classesSeen&(1<<b) != 0 {
					add(mix(seedClassPair, uint64(a)<<8|uint64(b)), "classpair", actorClassNames[a], actorClassNames[b])
				}
			}
		}
	}
	if cfg.Shape {
		f.shapeFeatures(sentence, nWords, nTitle, add)
	}
}

// classEnabled returns class c if the configuration reads its kind (actor
// or cue), else 0.
func (f *featurizer) classEnabled(c uint8) uint8 {
	if (isCue(c) && !f.cfg.Cues) || (!isCue(c) && !f.cfg.Actors) {
		return 0
	}
	return c
}

// hasLetterOrDigit reports whether s holds a letter or a digit.
func hasLetterOrDigit(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

// shapeFeatures adds cues from the sentence's form.
func (f *featurizer) shapeFeatures(sentence string, nWords, nTitle int, add func(h uint64, kind, first, second string)) {
	end := "end=none"
	trimmed := strings.TrimRightFunc(sentence, unicode.IsSpace)
	for len(trimmed) > 0 {
		r, size := utf8.DecodeLastRuneInString(trimmed)
		if strings.ContainsRune("\"'”’)]»", r) {
			trimmed = trimmed[:len(trimmed)-size]
			continue
		}
		switch r {
		case '.':
			end = "end=."
		case '!':
			end = "end=!"
		case '?':
			end = "end=?"
		case ':':
			end = "end=:"
		case ',':
			end = "end=,"
		case ';':
			end = "end=;"
		case '…':
			end = "end=…"
		}
		break
	}
	add(hashString(seedShape, end), "shape", end, "")
	first, _ := utf8.DecodeRuneInString(strings.TrimLeftFunc(sentence, unicode.IsSpace))
	if strings.ContainsRune("\"'“‘«", first) {
		add(hashString(seedShape, "quote-start"), "shape", "quote-start", "")
	}
	var length string
	switch {
	case nWords <= 3:
		length = "len<=3"
	case nWords <= 8:
		length = "len<=8"
	case nWords <= 20:
		length = "len<=20"
	default:
		length = "len>20"
	}
	add(hashString(seedShape, length), "shape", length, "")
	if nWords >= 3 && nTitle*2 >= nWords {
		add(hashString(seedShape, "titlecase"), "shape", "titlecase", "")
	}
}

// featureScale is the value of each feature: the features of a sentence
// form a vector of unit length.
func featureScale(n int) float32 {
	if n == 0 {
		return 0
	}
	return float32(1 / math.Sqrt(float64(n)))
}
