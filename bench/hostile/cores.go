package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// nodeCPU, when ≥ 0, is the one CPU the kith processes (the node under
// attack and the honest peer) run on, and splitCores has put this process
// (the attackers) on all the others: with -split-cores the attackers cannot
// take the CPU the honest peer's signature checks need, as attackers on
// other machines could not. -1: every process may run anywhere.
var nodeCPU = -1

// splitCores puts the kith processes this benchmark starts on CPU 0 and
// every thread of this process on CPUs 1…n−1 (threads made later inherit
// their maker's set). It needs at least two CPUs and Linux.
func splitCores() error {
	n := runtime.NumCPU()
	if n < 2 {
		return fmt.Errorf("-split-cores needs at least 2 CPUs; this machine has %d", n)
	}
	var set unix.CPUSet
	for c := 1; c < n; c++ {
		set.Set(c)
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return fmt.Errorf("-split-cores: %w", err)
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := unix.SchedSetaffinity(tid, &set); err != nil {
			return fmt.Errorf("-split-cores: thread %d: %w", tid, err)
		}
	}
	nodeCPU = 0
	return nil
}

// kithCommand is the command that runs bin with args: on nodeCPU alone
// when the cores are split.
func kithCommand(bin string, args ...string) (string, []string) {
	if nodeCPU < 0 {
		return bin, args
	}
	return "taskset", append([]string{"-c", strconv.Itoa(nodeCPU), bin}, args...)
}
