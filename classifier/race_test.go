//go:build race

package classifier

// raceEnabled reports whether the tests run under the race detector, whose
// sync.Pool drops items on purpose, so allocation counts mean nothing.
const raceEnabled = true
