package classifier

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
)

// tinyExamples reads testdata/tiny.jsonl: 40 hand-written news sentences,
// 10 per label.
func tinyExamples(tb testing.TB) []Example {
	tb.Helper()
	f, err := os.Open("testdata/tiny.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	exs, err := ReadExamples(f, "tiny.jsonl")
	if err != nil {
		tb.Fatalf("ReadExamples(testdata/tiny.jsonl): %v", err)
	}
	return exs
}

var sharedTinyModel struct {
	once sync.Once
	m    *Model
	file []byte
	err  error
}

// tinyModel returns a model trained with the default configuration on
// tinyExamples, and its model file. Models are immutable, so tests share it.
func tinyModel(tb testing.TB) (*Model, []byte) {
	tb.Helper()
	tok := testTokenizer(tb)
	exs := tinyExamples(tb) // outside once.Do: it may call tb.Fatal
	s := &sharedTinyModel
	s.once.Do(func() {
		s.m, s.err = Train(tok, exs, TrainConfig{})
		if s.err != nil {
			return
		}
		var buf bytes.Buffer
		if _, s.err = s.m.WriteTo(&buf); s.err == nil {
			s.file = buf.Bytes()
		}
	})
	if s.err != nil {
		tb.Fatalf("train tiny model: %v", s.err)
	}
	return s.m, bytes.Clone(s.file)
}

// probeTexts are texts to compare models on: sentences unlike the training
// ones, an article, and awkward input.
var probeTexts = []string{
	"China's foreign ministry denied the accusations on Tuesday.",
	"The Treasury sanctioned three Iranian nationals over the hacking campaign.",
	"Investigators said the intrusion was the work of APT31.",
	"The attack disrupted hospital systems for a week.",
	"“We firmly oppose groundless smears,” the spokesperson said. Washington indicted two men. The hackers used phishing emails.",
	"Le ministère a dénoncé «\u00a0l’attaque\u00a0» d’APT31 — café in Zürich.",
	"中国黑客 state\u00a0hackers \x00\xff",
}

func TestWriteToLoadRoundTrip(t *testing.T) {
	tok := testTokenizer(t)
	m, _ := tinyModel(t)
	var buf bytes.Buffer
	n, err := m.WriteTo(&buf)
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if n != int64(buf.Len()) {
		t.Errorf("WriteTo returned %d, wrote %d bytes", n, buf.Len())
	}
	data := buf.Bytes()
	loaded, err := Load(bytes.Clone(data), tok)
	if err != nil {
		t.Fatalf("Load(WriteTo output): %v", err)
	}
	if got, want := loaded.Metadata(), m.Metadata(); !reflect.DeepEqual(got, want) {
		t.Errorf("Load(WriteTo output).Metadata()\n got %+v\nwant %+v", got, want)
	}
	if loaded.Tokenizer() != tok {
		t.Errorf("Load(data, tok).Tokenizer() = %p, want the given tokenizer %p", loaded.Tokenizer(), tok)
	}
	for _, opts := range []ClassifyOptions{{}, {Whole: true}, {ExplainTopK: 5}} {
		for _, text := range probeTexts {
			want, err := m.Classify(text, opts)
			if err != nil {
				t.Fatalf("trained model: Classify(%q, %+v): %v", text, opts, err)
			}
			got, err := loaded.Classify(text, opts)
			if err != nil {
				t.Fatalf("loaded model: Classify(%q, %+v): %v", text, opts, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Classify(%q, %+v)\nloaded  %+v\ntrained %+v", text, opts, got, want)
			}
		}
	}

	// The loaded model owns its weights: changing the file bytes after Load
	// changes nothing, and writing it out again gives the same file.
	input := bytes.Clone(data)
	loaded, err = Load(input, tok)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	clear(input)
	var again bytes.Buffer
	if _, err := loaded.WriteTo(&again); err != nil {
		t.Fatalf("WriteTo of loaded model: %v", err)
	}
	if !bytes.Equal(again.Bytes(), data) {
		t.Errorf("WriteTo(Load(file)) differs from file: %d bytes, want %d", again.Len(), len(data))
	}
}

func TestTrainDeterministic(t *testing.T) {
	tok := testTokenizer(t)
	exs := tinyExamples(t)
	var files [2][]byte
	for i := range files {
		m, err := Train(tok, exs, TrainConfig{})
		if err != nil {
			t.Fatalf("Train #%d: %v", i+1, err)
		}
		var buf bytes.Buffer
		if _, err := m.WriteTo(&buf); err != nil {
			t.Fatalf("WriteTo #%d: %v", i+1, err)
		}
		files[i] = buf.Bytes()
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Errorf("two trainings on the same examples gave different files (%d and %d bytes, first difference at byte %d)",
			len(files[0]), len(files[1]), firstDifference(files[0], files[1]))
	}
	m, _ := tinyModel(t)
	meta := m.Metadata()
	if !regexp.MustCompile(`^stance-[0-9a-f]{12}$`).MatchString(meta.Version) {
		t.Errorf("Metadata().Version = %q, want stance- and 12 hex digits", meta.Version)
	}
	if meta.Tokenizer != tok.Identity() || meta.CorpusSentences != len(exs) || meta.Temperature != 1 || meta.Features != DefaultFeatureConfig() {
		t.Errorf("Metadata() = tokenizer %q, %d sentences, temperature %v, features %+v; want %q, %d, 1, %+v",
			meta.Tokenizer, meta.CorpusSentences, meta.Temperature, meta.Features, tok.Identity(), len(exs), DefaultFeatureConfig())
	}

	// A different seed-independent change (the L2 strength) must change the file.
	other, err := Train(tok, exs, TrainConfig{L2: 1e-2})
	if err != nil {
		t.Fatalf("Train(L2 1e-2): %v", err)
	}
	var buf bytes.Buffer
	if _, err := other.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(buf.Bytes(), files[0]) || other.Metadata().Version == meta.Version {
		t.Errorf("Train with L2 1e-2 gave the same file (version %s) as L2 1e-4", other.Metadata().Version)
	}
}

func firstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// fileLayout gives the offsets of the sections of a version 1 model file.
type fileLayout struct {
	metaStart, metaEnd int // metadata JSON
	slots              int // number of weight rows
	rowsStart          int
	biasStart          int
	sumStart           int
}

func layoutOf(tb testing.TB, data []byte) fileLayout {
	tb.Helper()
	le := binary.LittleEndian
	var l fileLayout
	l.metaStart = len(fileMagic) + 8
	l.metaEnd = l.metaStart + int(le.Uint32(data[len(fileMagic)+4:]))
	l.slots = int(le.Uint32(data[l.metaEnd:]))
	l.rowsStart = l.metaEnd + 4
	l.biasStart = l.rowsStart + l.slots*rowSize
	l.sumStart = l.biasStart + 4*NumLabels
	if l.sumStart+sha256.Size != len(data) {
		tb.Fatalf("model file layout: %d bytes, sections add up to %d", len(data), l.sumStart+sha256.Size)
	}
	return l
}

// resign replaces the checksum at the end of data with the right one.
func resign(data []byte) []byte {
	body := data[:len(data)-sha256.Size]
	sum := sha256.Sum256(body)
	return append(bytes.Clone(body), sum[:]...)
}

// withMetadata returns the file with its metadata JSON changed by edit and a
// valid checksum.
func withMetadata(tb testing.TB, data []byte, edit func(meta map[string]any)) []byte {
	tb.Helper()
	l := layoutOf(tb, data)
	var meta map[string]any
	if err := json.Unmarshal(data[l.metaStart:l.metaEnd], &meta); err != nil {
		tb.Fatal(err)
	}
	edit(meta)
	js, err := json.Marshal(meta)
	if err != nil {
		tb.Fatal(err)
	}
	return withMetadataBytes(data, l, js)
}

func withMetadataBytes(data []byte, l fileLayout, js []byte) []byte {
	var out []byte
	out = append(out, data[:len(fileMagic)+4]...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(js)))
	out = append(out, js...)
	out = append(out, data[l.metaEnd:]...)
	return resign(out)
}

// flip returns a copy of data with the byte at i inverted.
func flip(data []byte, i int) []byte {
	out := bytes.Clone(data)
	out[i] ^= 0xff
	return out
}

func putUint32(data []byte, at int, v uint32) []byte {
	out := bytes.Clone(data)
	binary.LittleEndian.PutUint32(out[at:], v)
	return out
}

func TestLoadErrors(t *testing.T) {
	tok := testTokenizer(t)
	_, file := tinyModel(t)
	l := layoutOf(t, file)
	if l.slots < 2 {
		t.Fatalf("tiny model has %d weight rows, the tests need 2", l.slots)
	}
	sentinels := loadSentinels()
	tests := []struct {
		name    string
		data    []byte
		want    error
		message string // substring of the error message
	}{
		{"wrong magic", append([]byte("STANCEX\x00"), file[8:]...), ErrNotModel, `the first bytes are not "STANCEM\x00"`},
		{"empty", nil, ErrNotModel, "the first bytes are not"},
		{"JSON", testTokenizerJSON(t), ErrNotModel, "the first bytes are not"},

		{"version 3", putUint32(file, len(fileMagic), 3), ErrUnsupported, "file is version 3, this build reads versions 1 to 2"},
		{"version 0", putUint32(file, len(fileMagic), 0), ErrUnsupported, "file is version 0"},
		{"cue features in a version 1 file", resign(putUint32(file, len(fileMagic), 1)), ErrCorrupt, "a version 2 model in a version 1 file"},

		{"truncated after magic", file[:8], ErrTruncated, "8 bytes, the header alone needs 16"},
		{"truncated after version", file[:12], ErrTruncated, "12 bytes, the header alone needs 16"},
		{"truncated after header", file[:16], ErrTruncated, "16 bytes, the metadata says it needs more than"},
		{"truncated in metadata", file[:(l.metaStart+l.metaEnd)/2], ErrTruncated, "the metadata says it needs more than"},
		{"truncated in row count", file[:l.metaEnd+2], ErrTruncated, "the metadata says it needs more than"},
		{"truncated after row count", file[:l.rowsStart], ErrTruncated, fmt.Sprintf("the header says %d", len(file))},
		{"truncated in rows", file[:l.rowsStart+rowSize+3], ErrTruncated, fmt.Sprintf("the header says %d", len(file))},
		{"truncated before bias", file[:l.biasStart], ErrTruncated, fmt.Sprintf("the header says %d", len(file))},
		{"truncated before checksum", file[:l.sumStart], ErrTruncated, fmt.Sprintf("the header says %d", len(file))},
		{"one byte short", file[:len(file)-1], ErrTruncated, fmt.Sprintf("%d bytes, the header says %d", len(file)-1, len(file))},

		{"trailing byte", append(bytes.Clone(file), 0), ErrCorrupt, fmt.Sprintf("%d bytes, the header says %d: trailing data", len(file)+1, len(file))},
		{"file twice", append(bytes.Clone(file), file...), ErrCorrupt, "trailing data"},

		{"flipped byte in metadata", flip(file, (l.metaStart+l.metaEnd)/2), ErrCorrupt, "checksum mismatch"},
		{"flipped byte in rows", flip(file, l.rowsStart+rowSize+5), ErrCorrupt, "checksum mismatch"},
		{"flipped byte in bias", flip(file, l.biasStart+1), ErrCorrupt, "checksum mismatch"},
		{"flipped byte in checksum", flip(file, len(file)-1), ErrCorrupt, "checksum mismatch"},
		{"huge row count", putUint32(file, l.metaEnd, 1<<30), ErrCorrupt, "impossible weight row count 1073741824"},

		// Valid checksums over wrong content.
		{"metadata not JSON", withMetadataBytes(file, l, []byte("{not json")), ErrCorrupt, "metadata:"},
		{"labels reordered", withMetadata(t, file, func(m map[string]any) {
			m["labels"] = []string{"denial", "accusation", "sanction", "background"}
		}), ErrCorrupt, "metadata: labels"},
		{"temperature zero", withMetadata(t, file, func(m map[string]any) { m["temperature"] = 0 }), ErrCorrupt, "temperature 0 outside (0, 100)"},
		{"hash bits too large", withMetadata(t, file, func(m map[string]any) {
			m["features"].(map[string]any)["hash_bits"] = 30
		}), ErrCorrupt, "hash_bits 30 outside 8..22"},
		{"no feature enabled", withMetadata(t, file, func(m map[string]any) {
			m["features"] = map[string]any{"hash_bits": 20, "max_tokens": 256}
		}), ErrCorrupt, "no feature enabled"},
		{"rows out of order", resign(swapRows(file, l, 0, 1)), ErrCorrupt, "out of order"},
		{"slot outside table", resign(putUint32(file, l.rowsStart+(l.slots-1)*rowSize, 1<<20)), ErrCorrupt, "outside 1048576 slots"},
		{"NaN weight", resign(putUint32(file, l.rowsStart+4, math.Float32bits(float32(math.NaN())))), ErrCorrupt, "is NaN"},
		{"infinite weight", resign(putUint32(file, l.rowsStart+8, math.Float32bits(float32(math.Inf(1))))), ErrCorrupt, "is +Inf"},

		{"other tokenizer", withMetadata(t, file, func(m map[string]any) { m["tokenizer"] = "bert-uncased-wordpiece sha256:00" }),
			ErrTokenizerMismatch, `the model wants "bert-uncased-wordpiece sha256:00"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Load(tt.data, tok)
			if err == nil {
				t.Fatalf("Load(%s) = %v, nil; want error %v", tt.name, m, tt.want)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("Load(%s) error = %q, want errors.Is %v", tt.name, err, tt.want)
			}
			for _, other := range sentinels {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("Load(%s) error = %q also wraps %v", tt.name, err, other)
				}
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("Load(%s) error = %q, want it to contain %q", tt.name, err, tt.message)
			}
		})
	}
}

// swapRows returns the file with weight rows i and j swapped.
func swapRows(data []byte, l fileLayout, i, j int) []byte {
	out := bytes.Clone(data)
	a := out[l.rowsStart+i*rowSize:][:rowSize]
	b := out[l.rowsStart+j*rowSize:][:rowSize]
	tmp := bytes.Clone(a)
	copy(a, b)
	copy(b, tmp)
	return out
}

// TestLoadTruncatedEverywhere cuts the file at every length from the end of
// the magic on: each must be ErrTruncated.
func TestLoadTruncatedEverywhere(t *testing.T) {
	tok := testTokenizer(t)
	_, file := tinyModel(t)
	step := 1
	if testing.Short() {
		step = 97
	}
	for n := len(fileMagic); n < len(file); n += step {
		if _, err := Load(file[:n], tok); !errors.Is(err, ErrTruncated) {
			t.Errorf("Load(first %d of %d bytes) error = %v, want ErrTruncated", n, len(file), err)
		}
	}
}

func TestLoadTokenizerMismatch(t *testing.T) {
	_, file := tinyModel(t)
	renamed := renameVocabEntry(t, testTokenizerJSON(t), "[unused0]", "[unused0-renamed]")
	other, err := NewTokenizer(renamed)
	if err != nil {
		t.Fatalf("NewTokenizer(renamed vocabulary): %v", err)
	}
	m, err := Load(file, other)
	if !errors.Is(err, ErrTokenizerMismatch) {
		t.Fatalf("Load(file, other tokenizer) = %v, %v; want ErrTokenizerMismatch", m, err)
	}
	want := fmt.Sprintf("the model wants %q, the tokenizer given is %q", testTokenizer(t).Identity(), other.Identity())
	if !strings.Contains(err.Error(), want) {
		t.Errorf("Load(file, other tokenizer) error = %q, want it to contain %q", err, want)
	}
}

func FuzzLoad(f *testing.F) {
	tok := testTokenizer(f)
	_, file := tinyModel(f)
	l := layoutOf(f, file)
	f.Add(file)
	for _, n := range []int{0, 4, 8, 12, 16, l.metaStart + 10, l.metaEnd, l.rowsStart, l.rowsStart + rowSize + 3, l.biasStart, l.sumStart, len(file) - 1} {
		f.Add(file[:n])
	}
	f.Add(flip(file, l.metaStart+3))
	f.Add(putUint32(file, len(fileMagic), 2))
	f.Add(append(bytes.Clone(file), 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Load(data, tok)
		if err != nil {
			if !wrapsLoadSentinel(err) {
				t.Fatalf("Load(%d bytes) error = %q, which wraps none of the sentinels", len(data), err)
			}
			return
		}
		s, err := m.Classify("The ministry denied the accusations.", ClassifyOptions{})
		if err != nil || len(s) != 1 {
			t.Fatalf("loaded model: Classify = %v, %v; want one sentence", s, err)
		}
		var sum float64
		for _, p := range s[0].Probs {
			sum += float64(p)
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Errorf("loaded model: probabilities %v sum to %v", s[0].Probs, sum)
		}
	})
}

// FuzzLoadResigned fuzzes what lies behind the checksum: it replaces the
// last 32 bytes of each input with the right SHA-256 of the rest, so that
// mutations reach the metadata, row and bias checks. The seeds are a model
// with a small hash table, so that loading is cheap.
func FuzzLoadResigned(f *testing.F) {
	tok := testTokenizer(f)
	m, err := Train(tok, tinyExamples(f), TrainConfig{Features: FeatureConfig{
		HashBits: 12, Words: true, Bigrams: true, Actors: true, Shape: true, MaxTokens: 64,
	}})
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		f.Fatal(err)
	}
	file := buf.Bytes()
	l := layoutOf(f, file)
	f.Add(file)
	f.Add(withMetadata(f, file, func(m map[string]any) { m["temperature"] = 0.5 }))
	f.Add(file[:l.biasStart+4*NumLabels+sha256.Size-rowSize]) // one row short
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < sha256.Size {
			return
		}
		data = resign(data)
		// Skip tables too large to allocate quickly (hash_bits up to 26 is
		// valid and means 1 GiB of weights).
		if l := len(fileMagic) + 8; len(data) > l {
			var meta struct {
				Features struct {
					HashBits int `json:"hash_bits"`
				} `json:"features"`
			}
			metaLen := int(binary.LittleEndian.Uint32(data[len(fileMagic)+4:]))
			if l+metaLen <= len(data) && json.Unmarshal(data[l:l+metaLen], &meta) == nil && meta.Features.HashBits > 16 {
				t.Skip("hash table too large for fuzzing")
			}
		}
		m, err := Load(data, tok)
		if err != nil {
			if !wrapsLoadSentinel(err) {
				t.Fatalf("Load(%d bytes) error = %q, which wraps none of the sentinels", len(data), err)
			}
			return
		}
		for _, text := range []string{"The ministry denied the accusations.", strings.Repeat("data ", 100)} {
			s, err := m.Classify(text, ClassifyOptions{ExplainTopK: 3})
			if err != nil || len(s) == 0 {
				t.Fatalf("loaded model: Classify(%q) = %v, %v", text, s, err)
			}
			var sum float64
			for _, p := range s[0].Probs {
				sum += float64(p)
			}
			if !(math.Abs(sum-1) <= 1e-5) {
				t.Errorf("loaded model: Classify(%q) probabilities %v sum to %v, want 1", text, s[0].Probs, sum)
			}
		}
	})
}

// A model without cue or lead features and without label weighting is
// written as a version 1 file, which builds that predate version 2 read;
// version 1 files load as unweighted.
func TestVersion1File(t *testing.T) {
	tok := testTokenizer(t)
	cfg := TrainConfig{Iterations: 30, Weighting: WeightingNone, Features: FeatureConfig{
		HashBits: 12, Words: true, Bigrams: true, Actors: true, Shape: true, MaxTokens: 64,
	}}
	m, err := Train(tok, tinyExamples(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := m.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	file := buf.Bytes()
	if v := binary.LittleEndian.Uint32(file[len(fileMagic):]); v != 1 {
		t.Fatalf("file version %d, want 1", v)
	}
	loaded, err := Load(file, tok)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := loaded.Metadata().Train.Weighting; got != WeightingNone {
		t.Errorf("Weighting = %q, want %q", got, WeightingNone)
	}
	_, err = Load(resign(putUint32(file, len(fileMagic), 2)), tok)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "a version 1 model in a version 2 file") {
		t.Errorf("Load(version 1 model marked version 2) = %v, want ErrCorrupt", err)
	}
}

// loadSentinels returns the sentinel errors that Load's errors wrap.
func loadSentinels() []error {
	return []error{ErrNotModel, ErrUnsupported, ErrTruncated, ErrCorrupt, ErrTokenizerMismatch}
}

// wrapsLoadSentinel reports whether err wraps one of Load's sentinels.
func wrapsLoadSentinel(err error) bool {
	return slices.ContainsFunc(loadSentinels(), func(s error) bool { return errors.Is(err, s) })
}
