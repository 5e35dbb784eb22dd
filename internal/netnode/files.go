package netnode

import "io"

// readAtMost reads r to its end or to limit bytes, whichever comes first.
func readAtMost(r io.Reader, limit int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, limit))
}
