package cli

import "runtime/debug"

// releaseStartMemory returns to the system the memory a node's start left
// as garbage: loading the configuration and the scope of a node that
// lists many logs allocates several times what it keeps (at 100,000 logs,
// a peak of 190 MB of heap for 42 MB kept), and without a collection
// while it idles the runtime keeps that peak resident for minutes
// (BENCHMARKS.md, "Scale", item 7, eighth session). One forced collection
// once the node serves costs a few milliseconds per 10 MB kept.
func releaseStartMemory() { debug.FreeOSMemory() }
