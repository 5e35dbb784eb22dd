package cli

import (
	"os"
	"runtime/debug"
)

// applyMemoryLimit sets Go's soft memory limit to mb MiB
// (node.Config.MemoryLimitMB; 0: none), unless the process's GOMEMLIMIT
// set one already, which stays. It returns the limit in effect, in bytes
// (math.MaxInt64: none).
func applyMemoryLimit(mb int) int64 {
	if mb > 0 && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(int64(mb) << 20)
	}
	return debug.SetMemoryLimit(-1)
}
