package classifier

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// TrainConfig holds the training settings. A zero TrainConfig consists
// entirely of defaults.
type TrainConfig struct {
	// Seed drives every random choice (the cross-validation folds).
	// Zero means 1. The same corpus and seed give the same model bytes.
	Seed uint64 `json:"seed"`
	// L2 is the strength of the L2 penalty on the weights. Zero means
	// 3e-6, chosen by grouped cross-validation on the training split.
	L2 float64 `json:"l2"`
	// Iterations bounds the L-BFGS iterations. Zero means 300.
	Iterations int `json:"iterations"`
	// Folds is the number of folds, grouped by incident, used to calibrate
	// the temperature and report cross-validation figures. Zero means 5;
	// below 2 skips both (temperature 1).
	Folds int `json:"folds"`
	// AlsoWeight is the share of the target given to the second label of a
	// mixed sentence. Zero means none.
	AlsoWeight float64 `json:"also_weight"`
	// Weighting says how much each sentence counts in the loss:
	// WeightingBalanced (the default, chosen by grouped cross-validation)
	// weighs it by the inverse frequency of its label, so that every label
	// counts alike; WeightingNone counts every sentence alike. Empty means
	// the default.
	Weighting string `json:"weighting"`
	// Features is the feature set. The zero value means DefaultFeatureConfig().
	Features FeatureConfig `json:"features"`
}

func (c TrainConfig) withDefaults() TrainConfig {
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.L2 == 0 {
		c.L2 = 3e-6
	}
	if c.Iterations == 0 {
		c.Iterations = 300
	}
	if c.Folds == 0 {
		c.Folds = 5
	}
	if c.Weighting == "" {
		c.Weighting = WeightingBalanced
	}
	if c.Features == (FeatureConfig{}) {
		c.Features = DefaultFeatureConfig()
	}
	return c
}

// The values of TrainConfig.Weighting.
const (
	WeightingBalanced = "balanced"
	WeightingNone     = "none"
)

// ErrNoExamples is returned when there is nothing to train on.
var ErrNoExamples = errors.New("classifier: no training examples")

// TrainCorpus trains a model on the corpus's train split: it calibrates the
// temperature on out-of-fold predictions of a grouped k-fold
// cross-validation, fits the final model on the whole split, and scores it
// on the test split. The figures go into the model's metadata.
func TrainCorpus(tok *Tokenizer, c *Corpus, cfg TrainConfig) (*Model, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Features.validate(); err != nil {
		return nil, fmt.Errorf("classifier: features: %w", err)
	}
	if cfg.Weighting != WeightingBalanced && cfg.Weighting != WeightingNone {
		return nil, fmt.Errorf("classifier: weighting %q: want %q or %q", cfg.Weighting, WeightingBalanced, WeightingNone)
	}
	if len(c.Train) == 0 {
		return nil, ErrNoExamples
	}
	feat := newFeaturizer(cfg.Features, tok)
	data := encodeExamples(feat, c.Train)
	temperature := 1.0
	var cv *Report
	if cfg.Folds >= 2 {
		logits, err := crossValidate(data, c.Train, cfg)
		if err != nil {
			return nil, err
		}
		temperature = fitTemperature(logits, c.Train)
		probs := make([][NumLabels]float32, len(logits))
		for i, z := range logits {
			probs[i] = softmax(z, float32(1/temperature))
		}
		r := Score(c.Train, probs)
		cv = &r
	}
	weights, bias := fit(data, c.Train, cfg)
	meta := Metadata{
		Labels:          labelNames[:],
		Features:        cfg.Features,
		Tokenizer:       tok.Identity(),
		CorpusSHA256:    c.SHA256,
		CorpusSentences: len(c.Train),
		Train:           cfg,
		Temperature:     temperature,
		CrossValidation: cv,
	}
	meta.Version = modelVersion(weights, bias, c.SHA256)
	m := newModel(meta, tok, weights, bias)
	if len(c.Test) > 0 {
		r := Evaluate(m, c.Test)
		m.meta.Test = &r
	}
	return m, nil
}

// Train fits a model on examples alone, with temperature 1 and no figures.
func Train(tok *Tokenizer, examples []Example, cfg TrainConfig) (*Model, error) {
	cfg = cfg.withDefaults()
	cfg.Folds = 1
	return TrainCorpus(tok, &Corpus{Train: examples}, cfg)
}

func modelVersion(weights []float32, bias [NumLabels]float32, corpus string) string {
	h := sha256.New()
	var b [4]byte
	for _, w := range weights {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(w))
		h.Write(b[:])
	}
	for _, w := range bias {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(w))
		h.Write(b[:])
	}
	h.Write([]byte(corpus))
	return "stance-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// encoded is the training data in dense form: the features of example i
// are cols[offs[i]:offs[i+1]], each worth scale[i]; slots[c] is the hashed
// slot of dense column c.
type encoded struct {
	cols  []int32
	offs  []int
	scale []float64
	slots []uint64
}

func encodeExamples(f *featurizer, examples []Example) *encoded {
	mask := uint64(1)<<f.cfg.HashBits - 1
	var sf sentenceFeatures
	raw := make([][]uint64, len(examples))
	seen := make(map[uint64]struct{})
	for i, ex := range examples {
		sf.reset()
		f.featurize(ex.Text, &sf, false)
		row := make([]uint64, len(sf.hashes))
		for j, h := range sf.hashes {
			row[j] = h & mask
			seen[h&mask] = struct{}{}
		}
		raw[i] = row
	}
	e := &encoded{offs: make([]int, 1, len(examples)+1), scale: make([]float64, len(examples))}
	for s := range seen {
		e.slots = append(e.slots, s)
	}
	slices.Sort(e.slots)
	col := make(map[uint64]int32, len(e.slots))
	for c, s := range e.slots {
		col[s] = int32(c)
	}
	for i, row := range raw {
		for _, s := range row {
			e.cols = append(e.cols, col[s])
		}
		e.offs = append(e.offs, len(e.cols))
		e.scale[i] = float64(featureScale(len(row)))
	}
	return e
}

// subset returns the rows of e at the given indices.
func (e *encoded) subset(idx []int) *encoded {
	s := &encoded{offs: make([]int, 1, len(idx)+1), scale: make([]float64, len(idx)), slots: e.slots}
	for k, i := range idx {
		s.cols = append(s.cols, e.cols[e.offs[i]:e.offs[i+1]]...)
		s.offs = append(s.offs, len(s.cols))
		s.scale[k] = e.scale[i]
	}
	return s
}

// targets returns the target distribution of each example.
func targets(examples []Example, alsoWeight float64) [][NumLabels]float64 {
	t := make([][NumLabels]float64, len(examples))
	for i, ex := range examples {
		t[i][ex.Label] = 1
		if ex.HasAlso && alsoWeight > 0 {
			t[i][ex.Label] = 1 - alsoWeight
			t[i][ex.Also] = alsoWeight
		}
	}
	return t
}

// exampleWeights returns each example's weight in the loss: 1, or with
// balance n/(NumLabels × the count of its label), which sums to n when every
// label occurs. The loss divides by the sum of the weights.
func exampleWeights(examples []Example, balance bool) []float64 {
	w := make([]float64, len(examples))
	var count [NumLabels]int
	for _, ex := range examples {
		count[ex.Label]++
	}
	for i, ex := range examples {
		w[i] = 1
		if balance {
			w[i] = float64(len(examples)) / float64(NumLabels*count[ex.Label])
		}
	}
	return w
}

// fit trains weights over e's columns and returns them spread over the
// hashed slots.
func fit(e *encoded, examples []Example, cfg TrainConfig) ([]float32, [NumLabels]float32) {
	x := fitDense(e, targets(examples, cfg.AlsoWeight), exampleWeights(examples, cfg.Weighting == WeightingBalanced), cfg)
	weights := make([]float32, (1<<cfg.Features.HashBits)*NumLabels)
	for c, s := range e.slots {
		for l := range NumLabels {
			weights[int(s)*NumLabels+l] = float32(x[c*NumLabels+l])
		}
	}
	var bias [NumLabels]float32
	nw := len(e.slots) * NumLabels
	for l := range NumLabels {
		bias[l] = float32(x[nw+l])
	}
	return weights, bias
}

// fitDense minimizes the mean cross-entropy plus L2/2 times the squared
// weights (the bias is not penalized) with L-BFGS. The parameters are the
// weights, column-major by label, then the bias.
func fitDense(e *encoded, t [][NumLabels]float64, ew []float64, cfg TrainConfig) []float64 {
	nw := len(e.slots) * NumLabels
	var n float64
	for _, w := range ew {
		n += w
	}
	obj := func(x, g []float64) float64 {
		clear(g)
		var loss float64
		for i := range t {
			var z [NumLabels]float64
			cols := e.cols[e.offs[i]:e.offs[i+1]]
			for _, c := range cols {
				w := x[int(c)*NumLabels:]
				for l := range NumLabels {
					z[l] += w[l]
				}
			}
			zmax := math.Inf(-1)
			for l := range NumLabels {
				z[l] = z[l]*e.scale[i] + x[nw+l]
				zmax = max(zmax, z[l])
			}
			var sum float64
			for l := range NumLabels {
				sum += math.Exp(z[l] - zmax)
			}
			lse := zmax + math.Log(sum)
			var dz [NumLabels]float64
			for l := range NumLabels {
				p := math.Exp(z[l] - lse)
				loss -= ew[i] * t[i][l] * (z[l] - lse)
				dz[l] = ew[i] * (p - t[i][l]) / n
				g[nw+l] += dz[l]
			}
			for _, c := range cols {
				gw := g[int(c)*NumLabels:]
				for l := range NumLabels {
					gw[l] += dz[l] * e.scale[i]
				}
			}
		}
		loss /= n
		for k := range nw {
			loss += cfg.L2 / 2 * x[k] * x[k]
			g[k] += cfg.L2 * x[k]
		}
		return loss
	}
	return lbfgs(obj, nw+NumLabels, cfg.Iterations)
}

// lbfgs minimizes a smooth function from zero with limited-memory BFGS and
// a backtracking line search. It is deterministic.
func lbfgs(f func(x, g []float64) float64, n, maxIter int) []float64 {
	const memory = 10
	x := make([]float64, n)
	g := make([]float64, n)
	fx := f(x, g)
	var ss, ys [][]float64
	var rhos []float64
	d := make([]float64, n)
	xNew := make([]float64, n)
	gNew := make([]float64, n)
	alpha := make([]float64, memory)
	for iter := 0; iter < maxIter; iter++ {
		// Two-loop recursion: d = -H g.
		copy(d, g)
		for k := len(ss) - 1; k >= 0; k-- {
			alpha[k] = rhos[k] * dot(ss[k], d)
			axpy(-alpha[k], ys[k], d)
		}
		if k := len(ss) - 1; k >= 0 {
			scaleVec(dot(ss[k], ys[k])/dot(ys[k], ys[k]), d)
		}
		for k := range ss {
			beta := rhos[k] * dot(ys[k], d)
			axpy(alpha[k]-beta, ss[k], d)
		}
		scaleVec(-1, d)
		gd := dot(g, d)
		if gd >= 0 { // not a descent direction: restart from the gradient
			copy(d, g)
			scaleVec(-1, d)
			gd = dot(g, d)
			ss, ys, rhos = ss[:0], ys[:0], rhos[:0]
		}
		step := 1.0
		if iter == 0 {
			step = 1 / math.Sqrt(-gd)
		}
		var fNew float64
		for tries := 0; ; tries++ {
			copy(xNew, x)
			axpy(step, d, xNew)
			fNew = f(xNew, gNew)
			if fNew <= fx+1e-4*step*gd || tries == 30 {
				break
			}
			step /= 2
		}
		s := make([]float64, n)
		y := make([]float64, n)
		for k := range n {
			s[k] = xNew[k] - x[k]
			y[k] = gNew[k] - g[k]
		}
		if sy := dot(s, y); sy > 1e-12 {
			if len(ss) == memory {
				ss, ys, rhos = ss[1:], ys[1:], rhos[1:]
			}
			ss, ys, rhos = append(ss, s), append(ys, y), append(rhos, 1/sy)
		}
		improved := fx - fNew
		copy(x, xNew)
		copy(g, gNew)
		fx = fNew
		if improved < 1e-10*max(1, math.Abs(fx)) || math.Sqrt(dot(g, g)) < 1e-7 {
			break
		}
	}
	return x
}

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i := range x {
		y[i] += a * x[i]
	}
}

func scaleVec(a float64, x []float64) {
	for i := range x {
		x[i] *= a
	}
}

// folds assigns each example a fold so that no incident spans two folds.
func folds(examples []Example, k int, seed uint64) []int {
	var incidents []string
	seen := map[string]bool{}
	for _, ex := range examples {
		if !seen[ex.Incident] {
			seen[ex.Incident] = true
			incidents = append(incidents, ex.Incident)
		}
	}
	slices.Sort(incidents)
	rng := rand.New(rand.NewPCG(seed, 0x5354414e4345))
	rng.Shuffle(len(incidents), func(i, j int) { incidents[i], incidents[j] = incidents[j], incidents[i] })
	fold := make(map[string]int, len(incidents))
	for i, inc := range incidents {
		fold[inc] = i % k
	}
	out := make([]int, len(examples))
	for i, ex := range examples {
		out[i] = fold[ex.Incident]
	}
	return out
}

// crossValidate returns out-of-fold logits for every example.
func crossValidate(e *encoded, examples []Example, cfg TrainConfig) ([][NumLabels]float32, error) {
	fold := folds(examples, cfg.Folds, cfg.Seed)
	logits := make([][NumLabels]float32, len(examples))
	for k := range cfg.Folds {
		var trainIdx, testIdx []int
		for i, f := range fold {
			if f == k {
				testIdx = append(testIdx, i)
			} else {
				trainIdx = append(trainIdx, i)
			}
		}
		if len(testIdx) == 0 || len(trainIdx) == 0 {
			return nil, fmt.Errorf("classifier: fold %d of %d is empty: the corpus needs at least %d incidents", k+1, cfg.Folds, cfg.Folds)
		}
		sub := make([]Example, len(trainIdx))
		for j, i := range trainIdx {
			sub[j] = examples[i]
		}
		x := fitDense(e.subset(trainIdx), targets(sub, cfg.AlsoWeight), exampleWeights(sub, cfg.Weighting == WeightingBalanced), cfg)
		nw := len(e.slots) * NumLabels
		for _, i := range testIdx {
			var z [NumLabels]float64
			for _, c := range e.cols[e.offs[i]:e.offs[i+1]] {
				for l := range NumLabels {
					z[l] += x[int(c)*NumLabels+l]
				}
			}
			for l := range NumLabels {
				logits[i][l] = float32(z[l]*e.scale[i] + x[nw+l])
			}
		}
	}
	return logits, nil
}

// fitTemperature returns the temperature in [0.25, 4] that minimizes the
// negative log-likelihood of the gold labels under the logits.
func fitTemperature(logits [][NumLabels]float32, examples []Example) float64 {
	best, bestNLL := 1.0, math.Inf(1)
	for t := 0.25; t <= 4.0001; t += 0.01 {
		var nll float64
		for i, z := range logits {
			p := softmax(z, float32(1/t))
			nll -= math.Log(max(float64(p[examples[i].Label]), 1e-12))
		}
		if nll < bestNLL {
			best, bestNLL = math.Round(t*100)/100, nll
		}
	}
	return best
}

// CurvePoint is one point of a learning curve: the test figures of a model
// trained on a share of the training incidents.
type CurvePoint struct {
	Fraction  float64
	Sentences int
	Test      Report
}

// LearningCurve trains on growing shares of the corpus's training
// incidents (whole incidents, chosen by cfg.Seed) and scores each model on
// the test split, without calibration.
func LearningCurve(tok *Tokenizer, c *Corpus, cfg TrainConfig, fractions []float64) ([]CurvePoint, error) {
	cfg = cfg.withDefaults()
	fold := folds(c.Train, 1<<20, cfg.Seed) // a distinct, seeded rank per incident
	ranks := slices.Clone(fold)
	slices.Sort(ranks)
	ranks = slices.Compact(ranks)
	var out []CurvePoint
	for _, f := range fractions {
		keep := int(math.Ceil(f * float64(len(ranks))))
		if keep < 1 || keep > len(ranks) {
			return nil, fmt.Errorf("classifier: learning-curve fraction %v outside (0, 1]", f)
		}
		cut := ranks[keep-1]
		var sub []Example
		for i, ex := range c.Train {
			if fold[i] <= cut {
				sub = append(sub, ex)
			}
		}
		m, err := Train(tok, sub, cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, CurvePoint{Fraction: f, Sentences: len(sub), Test: Evaluate(m, c.Test)})
	}
	return out, nil
}
