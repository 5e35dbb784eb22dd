package cli_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// readWorld is two homes: Ada (a) and Bea (b). Bea wrote first and
// follows Ada; Ada follows Bea and wrote after, then received Bea's
// entries (as a follow would bring them), then answered Bea's post.
type readWorld struct {
	a, b          env
	ada, bea      initOut
	beaPost, mine string
	answer        string
}

func newReadWorld(t *testing.T) *readWorld {
	w := &readWorld{a: newEnv(t), b: newEnv(t)}
	w.b.okJSON(t, &w.bea, "init", "--name", "phone")
	w.b.ok(t, "profile", "set", "--name", "Bea", "--about", "counts birds")
	w.beaPost = strings.TrimSpace(w.b.ok(t, "post", "bea wrote this first"))
	w.a.okJSON(t, &w.ada, "init", "--name", "laptop")
	w.a.ok(t, "profile", "set", "--name", "Ada")
	w.b.ok(t, "follow", w.ada.Account)
	w.a.ok(t, "follow", w.bea.Account)
	w.mine = strings.TrimSpace(w.a.ok(t, "post", "ada wrote this later\nin two lines"))
	bundle := filepath.Join(t.TempDir(), "bea.kith")
	w.b.ok(t, "export", "--out", bundle)
	w.a.ok(t, "import", bundle)
	w.answer = strings.TrimSpace(w.a.ok(t, "post", "--reply-to", w.beaPost, "ada answers bea"))
	return w
}

// golden compares out, with times and ids replaced by stable labels, to
// testdata/read/name.golden (rewritten with -update).
func golden(t *testing.T, name, out string, w *readWorld) {
	t.Helper()
	got := normalise(out, w)
	path := filepath.Join("testdata", "read", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n--- got\n%s--- want\n%s", name, path, got, want)
	}
}

var (
	timeRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}`)
	idRE   = regexp.MustCompile(`\b(ent|acc|dev|log|blob)_[a-z2-7]{20,}\b`)
)

// normalise replaces local times by TIME and ids by what they are in
// the world (or by their kind and a number, in order of appearance).
func normalise(s string, w *readWorld) string {
	s = timeRE.ReplaceAllString(s, "TIME")
	known := map[string]string{
		w.ada.Account: "ACC_ADA", w.ada.Device: "DEV_ADA", w.bea.Account: "ACC_BEA", w.bea.Device: "DEV_BEA",
		w.beaPost: "ENT_BEA_POST", w.mine: "ENT_ADA_POST", w.answer: "ENT_ADA_ANSWER",
	}
	n := map[string]int{}
	return idRE.ReplaceAllStringFunc(s, func(id string) string {
		if l, ok := known[id]; ok {
			return l
		}
		kind := strings.ToUpper(id[:strings.IndexByte(id, '_')])
		n[kind]++
		known[id] = fmt.Sprintf("%s_%d", kind, n[kind])
		return known[id]
	})
}

// TestReadCommands: what the reading commands print, by name, for a
// timeline in which a friend's older posts arrived after one's own.
func TestReadCommands(t *testing.T) {
	w := newReadWorld(t)
	a := w.a
	golden(t, "timeline", a.ok(t, "timeline"), w)
	golden(t, "thread", a.ok(t, "thread", w.answer), w)
	golden(t, "following", a.ok(t, "following"), w)
	golden(t, "followers", a.ok(t, "followers"), w)
	golden(t, "profile-self", a.ok(t, "profile", "show"), w)
	r := a.run(t, nil, "profile", "show", "bea")
	if r.code != 0 || normalise(r.stderr, w) != "\"Bea\" is ACC_BEA\n" {
		t.Fatalf("profile show bea: exit %d, stderr %q", r.code, r.stderr)
	}
	golden(t, "profile-bea", r.stdout, w)
	if out := a.ok(t, "profile", "show", w.bea.Account); out != r.stdout {
		t.Errorf("profile show by id printed %q, by name %q", out, r.stdout)
	}
	golden(t, "log", a.ok(t, "log"), w)
	golden(t, "log-bea", a.ok(t, "log", w.bea.Account), w)

	// Empty states say what to do next.
	c := newEnv(t)
	initHome(t, c)
	for cmd, want := range map[string]string{
		"timeline":  "Your timeline is empty: write with 'kith post TEXT', or follow someone with 'kith follow ACCOUNT'.\n",
		"following": "You follow no one yet: 'kith follow ACCOUNT' follows someone.\n",
		"followers": "No one follows you yet, as far as this node knows.\n",
	} {
		if out := c.ok(t, cmd); out != want {
			t.Errorf("kith %s on a new home: %q, want %q", cmd, out, want)
		}
	}
}

// TestTimelinePages: --limit pages the timeline; each page says how to
// read the next; --json is the API's page; every post is read once.
func TestTimelinePages(t *testing.T) {
	w := newReadWorld(t)
	var page struct {
		Items []struct {
			ID         string `json:"id"`
			AuthorName string `json:"author_name"`
			Account    string `json:"account"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	w.a.okJSON(t, &page, "timeline")
	var ids []string
	for _, it := range page.Items {
		ids = append(ids, it.ID)
	}
	// Newest first by when they were written: Ada's answer, Ada's post,
	// then Bea's, which arrived last but was written first.
	if want := []string{w.answer, w.mine, w.beaPost}; fmt.Sprint(ids) != fmt.Sprint(want) || page.NextCursor != "" {
		t.Fatalf("timeline --json: %v next %q, want %v", ids, page.NextCursor, want)
	}
	if it := page.Items[2]; it.AuthorName != "Bea" || it.Account != w.bea.Account {
		t.Errorf("bea's item: %+v", it)
	}
	var read []string
	args := []string{"timeline", "--limit", "1"}
	next := regexp.MustCompile(`(?m)^Older posts: kith timeline --before (\S+)$`)
	for range 5 {
		out := w.a.ok(t, args...)
		read = append(read, idRE.FindString(out))
		m := next.FindStringSubmatch(out)
		if m == nil {
			break
		}
		args = []string{"timeline", "--limit", "1", "--before", m[1]}
	}
	if fmt.Sprint(read) != fmt.Sprint(ids) {
		t.Fatalf("pages of one: %v, want %v", read, ids)
	}
	if out := w.a.ok(t, "timeline", "--before", "AAAAAAAAAAAAAAAAAAAAAQ"); !strings.Contains(out, "No older posts.") {
		t.Errorf("a page past the end: %q", out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"timeline", "--limit", "0"}, `--limit: "0" is not a number from 1 to 200`},
		{[]string{"timeline", "--limit", "x"}, `--limit: "x" is not a number from 1 to 200`},
		{[]string{"timeline", "--before", "nonsense"}, `cursor "nonsense" is not one this API returned`},
		{[]string{"thread", "nonsense"}, "nonsense"},
		{[]string{"profile", "show", "nobody"}, `no one named "nobody" among the accounts you follow`},
		{[]string{"timeline", "extra"}, "usage: kith timeline"},
	} {
		r := w.a.run(t, nil, c.args...)
		if r.code == 0 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("kith %s: exit %d, stderr %q, want %q", strings.Join(c.args, " "), r.code, r.stderr, c.want)
		}
	}
}
