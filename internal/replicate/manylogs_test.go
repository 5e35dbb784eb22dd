package replicate

import (
	"encoding/binary"
	"sync"
	"testing"

	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/store"
)

// manyLogsAuthors is the number of authors of the manyLogs fixture; each
// writes logs/manyLogsAuthors logs.
const manyLogsAuthors = 100

var (
	manyLogsMu    sync.Mutex
	manyLogsCache = map[int][]*entry.Entry{}
)

// manyLogs returns n logs of one entry each (a village of n strangers'
// requests, say), signed once per process: the first entry of each, in
// log order.
func manyLogs(t testing.TB, n int) []*entry.Entry {
	t.Helper()
	manyLogsMu.Lock()
	defer manyLogsMu.Unlock()
	if es, ok := manyLogsCache[n]; ok {
		return es
	}
	es := make([]*entry.Entry, 0, n)
	for a := range manyLogsAuthors {
		k := testKey(t, 7000+a)
		for i := a; i < n; i += manyLogsAuthors {
			var lid entry.LogID
			binary.BigEndian.PutUint64(lid[:], uint64(i))
			e, err := entry.Sign(k, entry.Draft{LogID: lid, Seq: 1, Timestamp: 1_700_000_000_000, Payload: []byte("x")})
			if err != nil {
				t.Fatal(err)
			}
			es = append(es, e)
		}
	}
	manyLogsCache[n] = es
	return es
}

func logKeyOf(e *entry.Entry) store.LogKey {
	return store.LogKey{Author: e.Header.Author, LogID: e.Header.LogID}
}
