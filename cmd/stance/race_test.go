//go:build race

package main

// raceEnabled reports whether the tests run under the race detector, where
// training is too slow to reproduce the default model; .ci/run runs that
// test without it.
const raceEnabled = true
