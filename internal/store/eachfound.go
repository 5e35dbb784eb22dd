package store

import "context"

// findPage is how many entries EachFound reads per call to Find.
const findPage = 1000

// EachFound calls fn with every entry q selects, in arrival order, reading
// them a page at a time: it sets q.After and q.Limit itself, and q.Desc
// must be false.
func EachFound(ctx context.Context, st Store, q Query, fn func(*Stored)) error {
	q.Limit = findPage
	for {
		es, err := st.Find(ctx, q)
		if err != nil {
			return err
		}
		for _, e := range es {
			q.After = e.Cursor
			fn(e)
		}
		if len(es) < findPage {
			return nil
		}
	}
}
