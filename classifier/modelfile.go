package classifier

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
)

// Metadata is what a model file says about its model.
type Metadata struct {
	// Version names the model: "stance-" and 12 hex digits of a hash of its
	// weights and training corpus.
	Version string `json:"version"`
	// Labels are the label names in the model's order.
	Labels []string `json:"labels"`
	// Features is how the model reads a sentence.
	Features FeatureConfig `json:"features"`
	// Tokenizer is the identity of the tokenizer the model was trained with.
	Tokenizer string `json:"tokenizer"`
	// CorpusSHA256 is the hash of the training corpus (see Corpus.SHA256).
	CorpusSHA256 string `json:"corpus_sha256"`
	// CorpusSentences is the number of training sentences.
	CorpusSentences int `json:"corpus_sentences"`
	// Train holds the training settings, defaults filled in.
	Train TrainConfig `json:"train"`
	// Temperature divides the logits before the softmax (calibration).
	Temperature float64 `json:"temperature"`
	// CrossValidation holds the grouped k-fold figures on the training split.
	CrossValidation *Report `json:"cross_validation,omitempty"`
	// Test holds the figures on the held-out test split.
	Test *Report `json:"test,omitempty"`
}

// The model file format, all integers little-endian:
//
//	magic    8 bytes  "STANCEM\x00"
//	version  uint32   1 or 2
//	metaLen  uint32   length of the metadata
//	meta     metaLen bytes of JSON (Metadata)
//	slots    uint32   number of weight rows that follow
//	rows     slots × (uint32 slot, NumLabels × float32 weights)
//	bias     NumLabels × float32
//	checksum 32 bytes SHA-256 of everything before it
//
// Rows are in increasing slot order; slots not listed have zero weights.
// Version 2 has the same layout; it marks models that read cue or lead
// features (or weighed their training labels), which builds that know only
// version 1 would silently ignore, so they refuse such files instead.
const (
	fileMagic      = "STANCEM\x00"
	fileVersion    = 2
	minFileVersion = 1
	rowSize        = 4 + 4*NumLabels
)

// formatVersion returns the oldest file format version that describes meta.
func (meta *Metadata) formatVersion() uint32 {
	if meta.Features.Cues || meta.Features.Lead || meta.Train.Weighting != WeightingNone {
		return 2
	}
	return 1
}

// Sentinel errors of Load; the returned error wraps one of them and says more.
var (
	ErrNotModel          = errors.New("classifier: not a Stance model file")
	ErrUnsupported       = errors.New("classifier: unsupported model file version")
	ErrTruncated         = errors.New("classifier: model file is truncated")
	ErrCorrupt           = errors.New("classifier: model file is corrupt")
	ErrTokenizerMismatch = errors.New("classifier: model was trained with another tokenizer")
)

// WriteTo writes the model in the model file format. The same model always
// gives the same bytes.
func (m *Model) WriteTo(w io.Writer) (int64, error) {
	var buf bytes.Buffer
	meta, err := json.MarshalIndent(m.meta, "", " ")
	if err != nil {
		return 0, fmt.Errorf("classifier: encode metadata: %w", err)
	}
	buf.WriteString(fileMagic)
	le := binary.LittleEndian
	buf.Write(le.AppendUint32(nil, m.meta.formatVersion()))
	buf.Write(le.AppendUint32(nil, uint32(len(meta))))
	buf.Write(meta)
	slots := 0
	for s := 0; s < len(m.weights)/NumLabels; s++ {
		if !allZero(m.weights[s*NumLabels : (s+1)*NumLabels]) {
			slots++
		}
	}
	buf.Write(le.AppendUint32(nil, uint32(slots)))
	row := make([]byte, 0, rowSize)
	for s := 0; s < len(m.weights)/NumLabels; s++ {
		w := m.weights[s*NumLabels : (s+1)*NumLabels]
		if allZero(w) {
			continue
		}
		row = le.AppendUint32(row[:0], uint32(s))
		for _, v := range w {
			row = le.AppendUint32(row, math.Float32bits(v))
		}
		buf.Write(row)
	}
	for _, v := range m.bias {
		buf.Write(le.AppendUint32(nil, math.Float32bits(v)))
	}
	sum := sha256.Sum256(buf.Bytes())
	buf.Write(sum[:])
	n, err := w.Write(buf.Bytes())
	return int64(n), err
}

func allZero(w []float32) bool {
	for _, v := range w {
		if v != 0 {
			return false
		}
	}
	return true
}

// Load reads a model file made by WriteTo, to be used with tok. It checks
// the magic, the format version, the length of every section, the checksum,
// the metadata and that tok is the tokenizer the model was trained with;
// the error wraps ErrNotModel, ErrUnsupported, ErrTruncated, ErrCorrupt or
// ErrTokenizerMismatch and says what was found.
func Load(data []byte, tok *Tokenizer) (*Model, error) {
	le := binary.LittleEndian
	if len(data) > 0 && len(data) < len(fileMagic) && fileMagic[:len(data)] == string(data) {
		return nil, fmt.Errorf("%w: %d bytes, cut inside the magic", ErrTruncated, len(data))
	}
	if len(data) < len(fileMagic) || string(data[:len(fileMagic)]) != fileMagic {
		return nil, fmt.Errorf("%w: the first bytes are not %q", ErrNotModel, fileMagic)
	}
	const headerLen = len(fileMagic) + 8
	if len(data) < headerLen {
		return nil, fmt.Errorf("%w: %d bytes, the header alone needs %d", ErrTruncated, len(data), headerLen)
	}
	version := le.Uint32(data[len(fileMagic):])
	if version < minFileVersion || version > fileVersion {
		return nil, fmt.Errorf("%w: file is version %d, this build reads versions %d to %d", ErrUnsupported, version, minFileVersion, fileVersion)
	}
	metaLen := int(le.Uint32(data[len(fileMagic)+4:]))
	slotsAt := headerLen + metaLen
	if metaLen < 0 || slotsAt+4 > len(data) || slotsAt < 0 {
		return nil, fmt.Errorf("%w: %d bytes, the metadata says it needs more than %d", ErrTruncated, len(data), headerLen+metaLen+4)
	}
	slots := int(le.Uint32(data[slotsAt:]))
	want := slotsAt + 4 + slots*rowSize + 4*NumLabels + sha256.Size
	if slots < 0 || slots > (1<<26) || want < 0 {
		return nil, fmt.Errorf("%w: impossible weight row count %d", ErrCorrupt, slots)
	}
	if len(data) < want {
		return nil, fmt.Errorf("%w: %d bytes, the header says %d", ErrTruncated, len(data), want)
	}
	if len(data) > want {
		return nil, fmt.Errorf("%w: %d bytes, the header says %d: trailing data", ErrCorrupt, len(data), want)
	}
	body, sum := data[:want-sha256.Size], data[want-sha256.Size:]
	if got := sha256.Sum256(body); !bytes.Equal(got[:], sum) {
		return nil, fmt.Errorf("%w: checksum mismatch (stored %x, computed %x)", ErrCorrupt, sum[:6], got[:6])
	}
	var meta Metadata
	if err := json.Unmarshal(data[headerLen:slotsAt], &meta); err != nil {
		return nil, fmt.Errorf("%w: metadata: %v", ErrCorrupt, err)
	}
	if err := meta.Features.validate(); err != nil {
		return nil, fmt.Errorf("%w: metadata: features: %v", ErrCorrupt, err)
	}
	if version == 1 {
		// Version 1 files predate label weighting: they counted every
		// sentence alike.
		meta.Train.Weighting = WeightingNone
	}
	if got := meta.formatVersion(); got != version {
		return nil, fmt.Errorf("%w: metadata: a version %d model in a version %d file", ErrCorrupt, got, version)
	}
	if !slices.Equal(meta.Labels, labelNames[:]) {
		return nil, fmt.Errorf("%w: metadata: labels %q, want %q", ErrCorrupt, meta.Labels, labelNames)
	}
	if !(meta.Temperature > 0 && meta.Temperature < 100) {
		return nil, fmt.Errorf("%w: metadata: temperature %v outside (0, 100)", ErrCorrupt, meta.Temperature)
	}
	if meta.Tokenizer != tok.Identity() {
		return nil, fmt.Errorf("%w: the model wants %q, the tokenizer given is %q", ErrTokenizerMismatch, meta.Tokenizer, tok.Identity())
	}
	nSlots := 1 << meta.Features.HashBits
	weights := make([]float32, nSlots*NumLabels)
	at, prev := slotsAt+4, -1
	for range slots {
		s := int(le.Uint32(data[at:]))
		if s <= prev || s >= nSlots {
			return nil, fmt.Errorf("%w: weight row for slot %d out of order or outside %d slots", ErrCorrupt, s, nSlots)
		}
		prev = s
		for l := range NumLabels {
			v := math.Float32frombits(le.Uint32(data[at+4+4*l:]))
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("%w: weight for slot %d is %v", ErrCorrupt, s, v)
			}
			weights[s*NumLabels+l] = v
		}
		at += rowSize
	}
	var bias [NumLabels]float32
	for l := range bias {
		bias[l] = math.Float32frombits(le.Uint32(data[at+4*l:]))
		if math.IsNaN(float64(bias[l])) || math.IsInf(float64(bias[l]), 0) {
			return nil, fmt.Errorf("%w: bias of label %s is %v", ErrCorrupt, Label(l), bias[l])
		}
	}
	return newModel(meta, tok, weights, bias), nil
}
