package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kithnet/kith/bench/internal/benchkit"
	"github.com/kithnet/kith/internal/netnode/hostile"
)

// kithBin is the kith binary the test runs, built once by TestMain.
var kithBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kith-hostile-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// HOSTILE_KITH runs the test against another kith binary, e.g. one
	// built from an older commit (RELIABILITY.md's "before" figures).
	if kithBin = os.Getenv("HOSTILE_KITH"); kithBin == "" {
		if kithBin, err = benchkit.BuildKith(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// honestTimeout bounds the honest peer's full sync (0.2 to 2 s without an
// attack on the machine of RELIABILITY.md).
const honestTimeout = 20 * time.Second

// maxRSSMB is the bound on the target's resident memory under any attack.
// The aim is 150 MB for 10 attackers on a node of 200,000 entries;
// this node is smaller: it peaked at 46–76 MB under the attacks here
// (reconcile-flood 63 MB, 106–134 MB before the reader streamed RECONCILE
// and the store stopped mapping its file), on a loaded 2-core machine.
const maxRSSMB = 100

// The short form of the hostile-peer benchmark (issue 11 item 7): a real
// 'kith serve' holding 2,000 entries in 4 logs, a post with a blob and a
// village, and each attack of internal/netnode/hostile run against it
// while a fresh honest node (another 'kith serve') syncs from it. For
// every attack the node must stay up and answer its API, stay under
// maxRSSMB, store nothing of the attackers (no log added, but the honest
// peer's certificate), refuse the attackers afterwards and log why
// (attacks marked Penalised), and the honest peer must get every entry,
// the post and its blob within honestTimeout. Some attacks add their own check.
func TestHostilePeers(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	tg, err := newTarget(ctx, kithBin, dir, 2000, 4, 2<<20)
	if err != nil {
		t.Fatal(err)
	}
	var log string
	base, err := runTrial(ctx, kithBin, dir, tg, nil, trialConfig{honestTimeout: honestTimeout}, &log)
	if err != nil {
		t.Fatal(err)
	}
	if !base.HonestSynced {
		t.Fatalf("without an attack the honest peer lacks %s after %s; the target's log:\n%s", base.HonestMissing, honestTimeout, log)
	}
	// Attackers at once, per attack: enough to show each weakness.
	attackers := map[string]int{
		"reconcile-flood":      2,
		"identity-flood":       8,
		"blob-slow-read":       4,   // as many peers as the node has serving slots ÷ its share per peer
		"conn-flood":           400, // above the 384 inbound connections of the resource manager
		"village-request-spam": 8,
	}
	for _, a := range hostile.Attacks {
		t.Run(a.Name, func(t *testing.T) {
			n := attackers[a.Name]
			if n == 0 {
				n = 2
			}
			c := trialConfig{attackers: n, minDuration: 3 * time.Second, maxDuration: 40 * time.Second,
				warmup: time.Second, honestTimeout: honestTimeout}
			switch a.Name {
			case "reconcile-flood":
				// Past 1,000,000 unwanted items in a session (54 rounds),
				// also in a race-detector build, where the attackers' own
				// encryption and the node's streamed answers hold them to
				// 1.6 rounds a second on a loaded machine (41 rounds in
				// 25 s, one CI run: not penalised yet).
				c.minDuration, c.maxDuration = 45*time.Second, 60*time.Second
			case "village-request-spam":
				c.minDuration = 10 * time.Second // past 500 requests
			case "conn-flood":
				c.warmup = 10 * time.Second // until the flood holds every inbound connection it can
			}
			var log string
			tr, err := runTrial(ctx, kithBin, dir, tg, &a, c, &log)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: honest %.1f s (baseline %.1f s), ratio %.2f, peak RSS %.0f MB (anonymous %.0f MB, files %.0f MB), CPU %.1f s, logs +%d, DHT +%d KB, inbox %d; penalties %v; report %+v",
				a.Name, tr.HonestSeconds, base.HonestSeconds, base.HonestSeconds/tr.HonestSeconds, tr.PeakRSSMB, tr.PeakAnonMB, tr.PeakFileMB, tr.CPUSeconds,
				tr.LogsAdded, tr.DHTKBAdded, tr.VillageRequests, tr.Penalties, tr.Report)
			for _, e := range tr.Report.Errors {
				t.Errorf("the attack tool failed: %s", e)
			}
			if !tr.Alive {
				t.Fatalf("the target no longer answers its API, or did not stop cleanly; its log:\n%s", log)
			}
			if tr.PeakRSSMB > maxRSSMB {
				t.Errorf("the target's RSS peaked at %.0f MB, over %d MB", tr.PeakRSSMB, maxRSSMB)
			}
			if !tr.HonestSynced {
				t.Errorf("the honest peer still lacks %s after %s", tr.HonestMissing, honestTimeout)
			}
			if a.Penalised {
				if tr.Report.Probed == 0 {
					t.Errorf("no attacker could be probed")
				}
				if tr.Report.Penalised != tr.Report.Probed {
					t.Errorf("the target refuses %d of %d attackers afterwards, want all", tr.Report.Penalised, tr.Report.Probed)
				}
				if tr.PenaltiesLogged != tr.Report.Probed {
					t.Errorf("the target's log names a penalty for %d of %d attackers, want all", tr.PenaltiesLogged, tr.Report.Probed)
				}
			}
			switch a.Name {
			case "reconcile-flood":
				// Past 1,000,000 unwanted items in a session (54 rounds),
				// also in a race-detector build, where the attackers' own
				// encryption holds them to about 3 rounds a second.
				c.minDuration = 25 * time.Second
			case "village-request-spam":
				// Requests the node read in full: 32 per answered stream,
				// whatever it answered.
				var delivered int64
				for k, n := range tr.Report.Answers {
					if strings.HasPrefix(k, "village: status ") {
						delivered += 32 * n
					}
				}
				if delivered < 500 {
					t.Fatalf("only %d requests delivered: too few to tell whether the node bounds them", delivered)
				}
				if int64(tr.VillageRequests) >= delivered {
					t.Errorf("the village inbox keeps all %d requests delivered from %d unlisted strangers' keys: nothing bounds what strangers store", tr.VillageRequests, tr.Report.Identities)
				}
			default:
				// The honest peer's certificate is the one log an attack
				// may add; certificates of strangers outside scope are not
				// stored (issue 11 item 2).
				if tr.LogsAdded > 1 {
					t.Errorf("the target holds %d more logs after the attack, from %d attacker identities: strangers' certificates are stored", tr.LogsAdded, tr.Report.Identities)
				}
			}
			// Strangers' work is budgeted whatever their identities
			// (doc/network.md): at the default 20 units a second a
			// flood of fresh identities starts at most 20 sessions at once
			// and 20 a second, and full request streams (9 units) one at
			// once (the burst of 20 holds two) and 20/9 a second. The
			// honest stranger's session counts too.
			secs := tr.Report.Seconds + 1
			switch a.Name {
			case "identity-flood":
				if bound := int64(20 + 20*secs + 1); tr.StrangerSessions.Admitted > bound || tr.StrangerSessions.Admitted == 0 {
					t.Errorf("the node started %d strangers' sessions in %.0f s, want 1…%d", tr.StrangerSessions.Admitted, secs, bound)
				}
			case "village-request-spam":
				if bound := int64(2 + 20*secs/9); tr.StrangerRequests.Admitted > bound || tr.StrangerRequests.Admitted == 0 {
					t.Errorf("the node took %d strangers' request streams in %.0f s, want 1…%d", tr.StrangerRequests.Admitted, secs, bound)
				}
			}
			if a.Name == "dht-provider-flood" && tr.DHTKBAdded >= 1024 {
				t.Errorf("the DHT datastore grew by %d KB under %d ADD_PROVIDER messages from %d peers: provider records are not capped", tr.DHTKBAdded, tr.Report.Messages, tr.Report.Identities)
			}
			if a.Name == "blob-slow-read" && tr.Report.Answers["blob: transfer held to the end"] == 0 {
				t.Errorf("no slow transfer was held: the attack did not take a slot (answers %v)", tr.Report.Answers)
			}
		})
	}
}
