// Command village benchmarks villages at scale: a village of 7 locals
// (founded by two, the others invited and joined) and 100,000 strangers
// with votes and notes spread over the locals, all as signed entries. It
// measures village.Reduce (time, allocation, heap, peak RSS) and the bytes
// two locals exchange to compare their strangers lists when one replica
// lacks the entries of k strangers (k = 0, 1, 10, 100, 1000), with one
// bucket level and with two (doc/protocol/village-compare.md).
//
//	go run ./bench/village -strangers 100000
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
	"github.com/kithnet/kith/internal/village"
)

// Result is what the benchmark reports.
type Result struct {
	Date           string       `json:"date"`
	Machine        string       `json:"machine"`
	Cores          int          `json:"cores"`
	Locals         int          `json:"locals"`
	Strangers      int          `json:"strangers"`
	Entries        int          `json:"entries"`
	EntryBytes     int64        `json:"entry_bytes"` // signed headers + payloads
	SignSeconds    float64      `json:"sign_seconds"`
	ReduceSeconds  []float64    `json:"reduce_seconds"` // every run
	ReduceBest     float64      `json:"reduce_best_seconds"`
	ReduceMedian   float64      `json:"reduce_median_seconds"`
	AllocMB        float64      `json:"reduce_alloc_mb"`            // total allocated by one Reduce
	HeapInuseMB    float64      `json:"heap_inuse_after_reduce_mb"` // HeapInuse right after Reduce (entries held too)
	LiveStateMB    float64      `json:"state_live_mb"`              // live heap after GC with the state, minus before
	ListSeconds    float64      `json:"strangers_list_seconds"`     // StrangersList + its hash
	ComponentsSecs float64      `json:"components_seconds"`         // one local's six components
	PeakRSSMB      float64      `json:"peak_rss_mb"`                // the whole process
	PeakRSSBuildMB float64      `json:"peak_rss_after_build_mb"`    // the process's peak before the first Reduce (building and signing)
	Compare        []CmpRow     `json:"compare"`
	Listed         int          `json:"listed_strangers"`
	BucketMembers  float64      `json:"mean_members_per_bucket"`
	Standing       [3]int       `json:"standing_acknowledged_vetoed_accepted"`
	Notes          int          `json:"notes"`
	Ignored        int          `json:"ignored_entries"`
	Problems       []string     `json:"problems"`
	Scope          *ScopeResult `json:"scope,omitempty"` // with -store
}

// CmpRow is one comparison: replica B lacks the entries of K strangers.
type CmpRow struct {
	K            int     `json:"k"`
	Levels       int     `json:"levels"`
	Messages     int     `json:"messages"`
	BytesAtoB    int     `json:"bytes_a_to_b"`
	BytesBtoA    int     `json:"bytes_b_to_a"`
	Found        int     `json:"difference_found"`
	DifferingBkt int     `json:"differing_buckets"`
	DifferingSub int     `json:"differing_sub_buckets"`
	Seconds      float64 `json:"seconds"` // both sides, in memory, one core
}

func main() {
	strangers := flag.Int("strangers", 100_000, "strangers")
	locals := flag.Int("locals", 7, "locals (at least 2)")
	runs := flag.Int("runs", 3, "Reduce runs (best and median reported)")
	ks := flag.String("k", "0,1,10,100,1000", "comma-separated numbers of strangers replica B lacks")
	jsonOut := flag.Bool("json", false, "print the result as JSON")
	storeDir := flag.String("store", "", "also store the entries in a SQLite store in this directory and time a local's scope refresh")
	flag.Parse()
	var kl []int
	for _, f := range bytes.Split([]byte(*ks), []byte(",")) {
		var k int
		if _, err := fmt.Sscan(string(f), &k); err != nil || k < 0 || k > *strangers {
			fmt.Fprintln(os.Stderr, "bench/village: bad -k", string(f))
			os.Exit(2)
		}
		kl = append(kl, k)
	}
	if *locals < 2 || *runs < 1 {
		fmt.Fprintln(os.Stderr, "bench/village: need -locals ≥ 2 and -runs ≥ 1")
		os.Exit(2)
	}
	if err := run(*strangers, *locals, *runs, kl, *jsonOut, *storeDir); err != nil {
		fmt.Fprintln(os.Stderr, "bench/village:", err)
		os.Exit(1)
	}
}

// post is one planned entry: its author (index) and payload; entries are
// signed per author in order, with the global timestamp ts.
type post struct {
	author   int
	ts       uint64
	payload  village.Payload
	stranger int // index of the stranger it concerns, or -1
}

// strangerID is stranger i's id: SHA-256 halves of its index.
func strangerID(i int) village.StrangerID {
	var id village.StrangerID
	a := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("individual "), uint64(i)))
	b := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("userspec "), uint64(i)))
	copy(id[:32], a[:])
	copy(id[32:], b[:])
	return id
}

// build plans and signs the village: found, accept, invitations (every
// current local endorses each invitee) and joins, then for stranger i
// votes by 1-3 locals, or by all of them for every 50th (a veto for every
// 10th, deferred for every 7th, otherwise an accept with a proof) and a
// note on every 5th.
func build(nStrangers, nLocals int) (entry.ID, []*entry.Entry, []int, error) {
	// Each local is an account with one device (village.md §1): the
	// devices sign, the village names the accounts, and the certificates
	// go with the entries.
	keys := make([]identity.PrivateKey, nLocals)
	accts := make([]identity.PublicKey, nLocals)
	var certs []*entry.Entry
	for i := range keys {
		keys[i] = benchkit.DeviceKey(1_000_000 + i)
		acct := benchkit.DeviceKey(2_000_000 + i)
		accts[i] = acct.Public()
		c, err := content.NewDeviceCert(acct, keys[i], "", 1)
		if err != nil {
			return entry.ID{}, nil, nil, err
		}
		certs = append(certs, c)
	}
	founders := []identity.PublicKey{accts[0], accts[1]}
	slices.SortFunc(founders, func(a, b identity.PublicKey) int { return bytes.Compare(a[:], b[:]) })
	ts := uint64(1_700_000_000_000)
	found, err := entry.Sign(keys[0], entry.Draft{LogID: entry.PublicLog, Seq: 1, Timestamp: ts,
		Payload: village.MustEncode(&village.Found{Name: "bench village", Admit: village.Majority, Exclude: village.Majority, Founders: founders})})
	if err != nil {
		return entry.ID{}, nil, nil, err
	}
	vid := found.ID
	var plan []post
	add := func(author int, p village.Payload, stranger int) {
		ts++
		plan = append(plan, post{author, ts, p, stranger})
	}
	add(1, &village.Accept{Village: vid}, -1)
	for inv := 2; inv < nLocals; inv++ {
		for l := range inv {
			add(l, &village.Invite{Village: vid, Invitee: accts[inv]}, -1)
		}
		add(inv, &village.Join{Village: vid}, -1)
	}
	setup := len(plan)
	for i := range nStrangers {
		id := strangerID(i)
		voters := 1 + i%3
		if i%50 == 1 {
			voters = nLocals // all accept: the stranger is accepted
		}
		for v := range voters {
			l := (i + v) % nLocals
			vote := &village.Vote{Village: vid, Stranger: id, Vote: village.VoteAccept, Proof: sha256.Sum256(id[:])}
			switch {
			case i%10 == 0 && v == 0:
				vote.Vote, vote.Proof = village.VoteVeto, [32]byte{}
			case i%7 == 0:
				vote.Vote, vote.Proof = village.VoteDeferred, [32]byte{}
			}
			add(l, vote, i)
		}
		if i%5 == 0 {
			add((i+3)%nLocals, &village.Strangerspec{Village: vid, Stranger: id, Text: fmt.Sprintf("met stranger %d at the market; seemed friendly enough", i)}, i)
		}
	}
	// The founding, invitations and joins in order, each entry naming
	// the heads of the other logs (village.md §3, "Order"); then each
	// author's votes and notes in its own goroutine, each naming the last
	// join (which implies the whole setup): replica B below lacks entries
	// in the middle of logs, and an entry whose backlink is not held is
	// ordered by its references alone.
	out := make([]*entry.Entry, len(plan))
	heads := make([]*entry.Entry, nLocals)
	sign := func(i int, refs []entry.ID) (*entry.Entry, error) {
		a := plan[i].author
		d := entry.Draft{LogID: entry.LogID(vid), Seq: 1, Timestamp: plan[i].ts}
		if h := heads[a]; h != nil {
			d.Seq, d.Backlink = h.Header.Seq+1, h.ID
		}
		if err := village.SetRefs(plan[i].payload, refs); err != nil {
			return nil, err
		}
		d.Payload = village.MustEncode(plan[i].payload)
		e, err := entry.Sign(keys[a], d)
		if err == nil {
			out[i], heads[a] = e, e
		}
		return e, err
	}
	for i := range setup {
		var refs []entry.ID
		for a, h := range heads {
			if h != nil && a != plan[i].author {
				refs = append(refs, h.ID)
			}
		}
		if _, err := sign(i, refs); err != nil {
			return entry.ID{}, nil, nil, err
		}
	}
	last := out[setup-1]
	byAuthor := make([][]int, nLocals)
	for i, p := range plan[setup:] {
		byAuthor[p.author] = append(byAuthor[p.author], setup+i)
	}
	errs := make([]error, nLocals)
	var wg sync.WaitGroup
	for a := range nLocals {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, i := range byAuthor[a] {
				// The last join's author names it too: a reference to an
				// entry of one's own log is redundant but valid.
				if _, err := sign(i, []entry.ID{last.ID}); err != nil {
					errs[a] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return entry.ID{}, nil, nil, err
		}
	}
	strangerOf := make([]int, 0, len(plan)+1)
	strangerOf = append(strangerOf, -1)
	for _, p := range plan {
		strangerOf = append(strangerOf, p.stranger)
	}
	for range certs {
		strangerOf = append(strangerOf, -1)
	}
	return vid, append(append([]*entry.Entry{found}, out...), certs...), strangerOf, nil
}

func run(nStrangers, nLocals, runs int, ks []int, jsonOut bool, storeDir string) error {
	res := Result{Date: time.Now().UTC().Format("2006-01-02"), Machine: benchkit.Machine(), Cores: runtime.NumCPU(), Locals: nLocals, Strangers: nStrangers}
	benchkit.Logf("signing the entries of %d locals and %d strangers", nLocals, nStrangers)
	t := time.Now()
	vid, entries, strangerOf, err := build(nStrangers, nLocals)
	if err != nil {
		return err
	}
	res.SignSeconds = time.Since(t).Seconds()
	res.Entries = len(entries)
	for _, e := range entries {
		res.EntryBytes += int64(len(e.Raw) + len(e.Payload))
	}
	benchkit.Logf("%d entries (%.1f MB) in %.1f s", res.Entries, float64(res.EntryBytes)/1e6, res.SignSeconds)
	res.PeakRSSBuildMB = float64(benchkit.PeakRSSKB()) / 1024

	var s *village.State
	for r := range runs {
		s = nil
		runtime.GC()
		var m0, m1, m2 runtime.MemStats
		runtime.ReadMemStats(&m0)
		t := time.Now()
		st, err := village.Reduce(vid, entries)
		d := time.Since(t).Seconds()
		if err != nil {
			return err
		}
		runtime.ReadMemStats(&m1)
		runtime.GC()
		runtime.ReadMemStats(&m2)
		s = st
		res.ReduceSeconds = append(res.ReduceSeconds, d)
		if r == 0 {
			res.AllocMB = float64(m1.TotalAlloc-m0.TotalAlloc) / 1e6
			res.HeapInuseMB = float64(m1.HeapInuse) / 1e6
			res.LiveStateMB = float64(int64(m2.HeapAlloc)-int64(m0.HeapAlloc)) / 1e6
		}
		benchkit.Logf("reduce run %d: %.3f s", r+1, d)
	}
	sorted := slices.Sorted(slices.Values(res.ReduceSeconds))
	res.ReduceBest, res.ReduceMedian = sorted[0], sorted[len(sorted)/2]
	res.Ignored, res.Problems = len(s.Ignored), s.Problems
	if len(s.Members()) != nLocals {
		return fmt.Errorf("%d locals, want %d (ignored: %v)", len(s.Members()), nLocals, s.Ignored[:min(3, len(s.Ignored))])
	}
	for _, st := range s.Strangers {
		if st.Listed {
			res.Listed++
		}
		res.Standing[st.Standing]++
		res.Notes += len(st.Notes)
	}
	res.BucketMembers = float64(res.Listed) / village.Buckets
	local := s.Members()[0]
	t = time.Now()
	listA := village.StrangersList(s, local)
	listA.Hash()
	res.ListSeconds = time.Since(t).Seconds()
	t = time.Now()
	if _, err := s.Components(local, [32]byte{}); err != nil {
		return err
	}
	res.ComponentsSecs = time.Since(t).Seconds()

	// Replica B lacks every entry about k randomly chosen strangers; both
	// derive local's strangers list and compare.
	rng := rand.New(rand.NewPCG(1, 2))
	perm := rng.Perm(nStrangers)
	for _, k := range ks {
		lack := map[int]bool{}
		for _, i := range perm[:k] {
			lack[i] = true
		}
		var held []*entry.Entry
		for i, e := range entries {
			if !lack[strangerOf[i]] {
				held = append(held, e)
			}
		}
		sb, err := village.Reduce(vid, held)
		if err != nil {
			return err
		}
		listB := village.StrangersList(sb, local)
		sb, held = nil, nil
		for _, levels := range []int{1, 2} {
			t := time.Now()
			x, err := village.Compare(listA, listB, levels)
			if err != nil {
				return err
			}
			d := time.Since(t).Seconds()
			if x.A.Len() != k || len(x.A.Mine) != k || x.B.Len() != k {
				return fmt.Errorf("k=%d levels %d: the comparison found %d/%d, want %d", k, levels, x.A.Len(), x.B.Len(), k)
			}
			res.Compare = append(res.Compare, CmpRow{K: k, Levels: levels, Messages: len(x.Messages), BytesAtoB: x.BytesAtoB, BytesBtoA: x.BytesBtoA,
				Found: x.A.Len(), DifferingBkt: x.DifferingBuckets, DifferingSub: x.DifferingSubs, Seconds: d})
			if k == 0 {
				break // equal lists: the levels do not matter
			}
		}
		benchkit.Logf("compared with k=%d", k)
	}
	if storeDir != "" {
		sr, err := measureScope(storeDir, local, entries, runs)
		if err != nil {
			return err
		}
		res.Scope = &sr
	}
	res.PeakRSSMB = float64(benchkit.PeakRSSKB()) / 1024

	if jsonOut {
		out, _ := json.MarshalIndent(res, "", "  ")
		fmt.Println(string(out))
		return nil
	}
	fmt.Printf("machine        %s (%d cores), %s\n", res.Machine, res.Cores, res.Date)
	fmt.Printf("village        %d locals, %d strangers (%d listed, ~%.0f per bucket), %d notes; standing %d acknowledged, %d vetoed, %d accepted\n",
		res.Locals, res.Strangers, res.Listed, res.BucketMembers, res.Notes, res.Standing[0], res.Standing[1], res.Standing[2])
	fmt.Printf("entries        %d (%.1f MB signed headers + payloads), signed in %.1f s; %d ignored\n", res.Entries, float64(res.EntryBytes)/1e6, res.SignSeconds, res.Ignored)
	fmt.Printf("Reduce         best %.3f s, median %.3f s of %d\n", res.ReduceBest, res.ReduceMedian, len(res.ReduceSeconds))
	fmt.Printf("memory         %.0f MB allocated by one Reduce; heap in use after it %.0f MB; the state alone %.0f MB live; peak RSS %.0f MB (%.0f MB before the first Reduce)\n",
		res.AllocMB, res.HeapInuseMB, res.LiveStateMB, res.PeakRSSMB, res.PeakRSSBuildMB)
	fmt.Printf("components     strangers list + hash %.3f s; all six of one local %.3f s\n", res.ListSeconds, res.ComponentsSecs)
	if res.Scope != nil {
		fmt.Printf("scope          stored in SQLite in %.1f s; a local's scope refresh best %.3f s of %v\n", res.Scope.IngestSeconds, res.Scope.RefreshBest, res.Scope.RefreshSeconds)
	}
	fmt.Printf("\n%-6s %-6s %-8s %12s %12s %12s %10s %10s %9s\n", "k", "levels", "messages", "A->B bytes", "B->A bytes", "total", "buckets", "sub-bkts", "time ms")
	for _, c := range res.Compare {
		fmt.Printf("%-6d %-6d %-8d %12d %12d %12d %10d %10d %9.1f\n", c.K, c.Levels, c.Messages, c.BytesAtoB, c.BytesBtoA, c.BytesAtoB+c.BytesBtoA, c.DifferingBkt, c.DifferingSub, 1000*c.Seconds)
	}
	return nil
}
