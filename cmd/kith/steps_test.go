package main

// KITH_TEST_STEPS=1 logs each step of the end-to-end tests that took a
// second or more (a browser action or wait, a wait on a node, a CLI
// command, a node's start), with the test's line: where a test's time
// goes (BENCHMARKS.md, "The test suite's cost").

import (
	"os"
	"sync"
	"testing"
	"time"
)

var logSteps = os.Getenv("KITH_TEST_STEPS") == "1"

// step returns a func that, under KITH_TEST_STEPS=1, logs what took as
// long as it did when that was a second or more: defer step(t, what)().
// Its callers are helpers (t.Helper), so the line logged is the test's.
func step(t testing.TB, what string) func() {
	if !logSteps {
		return func() {}
	}
	t.Helper()
	start := time.Now()
	return func() {
		t.Helper()
		if d := time.Since(start); d >= time.Second {
			t.Logf("step %.1f s: %s", d.Seconds(), what)
		}
	}
}

// cliRuns counts, under KITH_TEST_STEPS=1, the CLI commands each test ran
// and their time, logged when the test ends.
var cliRuns struct {
	mu   sync.Mutex
	runs map[testing.TB]*cliCount
}

type cliCount struct {
	n int
	d time.Duration
}

// countCLI records one CLI command of t's that took d.
func countCLI(t testing.TB, d time.Duration) {
	if !logSteps {
		return
	}
	cliRuns.mu.Lock()
	defer cliRuns.mu.Unlock()
	if cliRuns.runs == nil {
		cliRuns.runs = map[testing.TB]*cliCount{}
	}
	c := cliRuns.runs[t]
	if c == nil {
		c = &cliCount{}
		cliRuns.runs[t] = c
		t.Cleanup(func() {
			cliRuns.mu.Lock()
			defer cliRuns.mu.Unlock()
			t.Logf("steps: %d CLI commands, %.1f s in all", c.n, c.d.Seconds())
			delete(cliRuns.runs, t)
		})
	}
	c.n++
	c.d += d
}
