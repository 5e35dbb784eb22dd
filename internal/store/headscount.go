package store

import "context"

// HeadsCounter is implemented by stores that can say how many heads they
// hold and how many entries those heads count (the sum of their seqs)
// without listing them: a node's status is asked often (the web UI, every
// benchmark), and listing a million heads to count them kept them in
// memory while the node idled (BENCHMARKS.md, "Scale", item 7, ninth
// session). storetest checks it against Heads after every test.
type HeadsCounter interface {
	// CountHeads returns how many heads Heads would list, and the sum of
	// their Seq.
	CountHeads(ctx context.Context) (logs, entries uint64, err error)
}

// CountHeads returns how many heads st holds and the sum of their seqs:
// through HeadsCounter when st implements it, else from Heads.
func CountHeads(ctx context.Context, st Store) (logs, entries uint64, err error) {
	if c, ok := st.(HeadsCounter); ok {
		return c.CountHeads(ctx)
	}
	hs, err := st.Heads(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, h := range hs {
		entries += h.Seq
	}
	return uint64(len(hs)), entries, nil
}
