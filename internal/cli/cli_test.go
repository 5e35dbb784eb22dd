package cli_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/cli"
	"github.com/kithnet/kith/internal/content"
	"github.com/kithnet/kith/internal/entry"
	"github.com/kithnet/kith/internal/identity"
)

// result is what one run of the command line produced.
type result struct {
	code           int
	stdout, stderr string
}

// env is the environment of in-process runs: a map, so nothing leaks in
// from the test process (KITH_PASSPHRASE, XDG_DATA_HOME …).
type env map[string]string

func newEnv(t *testing.T) env { return env{"KITH_HOME": t.TempDir()} }

func (e env) run(t *testing.T, stdin []byte, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(t.Context(), args, cli.Env{
		Stdin:  bytes.NewReader(stdin),
		Stdout: &out,
		Stderr: &errb,
		Getenv: func(k string) string { return e[k] },
	})
	return result{code, out.String(), errb.String()}
}

// ok runs a command that must succeed and returns its stdout.
func (e env) ok(t *testing.T, args ...string) string {
	t.Helper()
	r := e.run(t, nil, args...)
	if r.code != 0 {
		t.Fatalf("kith %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// okJSON runs a command with --json and decodes its one-line output.
func (e env) okJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	out := e.ok(t, append([]string{"--json"}, args...)...)
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
		t.Errorf("kith --json %s: output is not one line: %q", strings.Join(args, " "), out)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("kith --json %s: %v in %q", strings.Join(args, " "), err, out)
	}
}

type initOut struct {
	Account          string `json:"account"`
	Device           string `json:"device"`
	AccountPublicKey string `json:"account_public_key"`
	DevicePublicKey  string `json:"device_public_key"`
	Home             string `json:"home"`
	RecoveryPhrase   string `json:"recovery_phrase"`
	Restored         bool   `json:"restored"`
}

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

func initHome(t *testing.T, e env) initOut {
	t.Helper()
	var o initOut
	e.okJSON(t, &o, "init")
	return o
}

func TestInitAndID(t *testing.T) {
	e := newEnv(t)
	var o initOut
	e.okJSON(t, &o, "init", "--name", "laptop")
	for name, v := range map[string]string{"account_public_key": o.AccountPublicKey, "device_public_key": o.DevicePublicKey} {
		if !hex64.MatchString(v) {
			t.Errorf("%s = %q, want 64 lowercase hex digits", name, v)
		}
	}
	acc, err := identity.ParseAccount(o.Account)
	if err != nil {
		t.Fatalf("account %q: %v", o.Account, err)
	}
	if acc.Key().Hex() != o.AccountPublicKey {
		t.Errorf("account_public_key %s is not the key of %s (%s)", o.AccountPublicKey, o.Account, acc.Key().Hex())
	}
	dev, err := identity.ParseDevice(o.Device)
	if err != nil {
		t.Fatalf("device %q: %v", o.Device, err)
	}
	if dev.Key().Hex() != o.DevicePublicKey {
		t.Errorf("device_public_key %s is not the key of %s", o.DevicePublicKey, o.Device)
	}
	if o.Home != e["KITH_HOME"] {
		t.Errorf("home = %q, want %q", o.Home, e["KITH_HOME"])
	}
	words := strings.Fields(o.RecoveryPhrase)
	if len(words) != 24 {
		t.Errorf("recovery_phrase has %d words, want 24", len(words))
	}
	phrase, err := identity.ParsePhrase(o.RecoveryPhrase)
	if err != nil {
		t.Fatalf("recovery_phrase: %v", err)
	}
	ak, err := identity.AccountKeyFromPhrase(phrase, "")
	if err != nil {
		t.Fatal(err)
	}
	if ak.Public().Account().String() != o.Account {
		t.Errorf("the phrase derives account %s, want %s", ak.Public().Account(), o.Account)
	}

	var id initOut
	e.okJSON(t, &id, "id")
	if id.Account != o.Account || id.Device != o.Device || id.AccountPublicKey != o.AccountPublicKey || id.DevicePublicKey != o.DevicePublicKey || id.Home != o.Home {
		t.Errorf("id = %+v, want the ids of init %+v", id, o)
	}
	if id.RecoveryPhrase != "" {
		t.Error("id prints the recovery phrase")
	}
	// The human form names both ids.
	out := e.ok(t, "id")
	if want := "account  " + o.Account + "\ndevice   " + o.Device + "\n"; out != want {
		t.Errorf("id prints %q, want %q", out, want)
	}

	// A second init fails and keeps the account.
	r := e.run(t, nil, "init")
	if r.code != 1 || !strings.Contains(r.stderr, "already holds a kith account") {
		t.Errorf("second init: exit %d, stderr %q; want 1 and 'already holds a kith account'", r.code, r.stderr)
	}
}

func TestInitHumanOutput(t *testing.T) {
	e := newEnv(t)
	out := e.ok(t, "init")
	if !strings.HasPrefix(out, "Created account acc_") {
		t.Errorf("init output starts %q", out[:min(len(out), 40)])
	}
	// Words are listed numbered 1 to 24.
	for _, n := range []string{" 1. ", " 12. ", " 24. "} {
		if !strings.Contains(out, n) {
			t.Errorf("init output lacks %q", n)
		}
	}
	if strings.Contains(out, " 25. ") {
		t.Error("init output lists a 25th word")
	}
}

func TestRestore(t *testing.T) {
	a := newEnv(t)
	orig := initHome(t, a)

	b := newEnv(t)
	r := b.run(t, []byte(orig.RecoveryPhrase+"\n"), "--json", "init", "--restore", "--name", "phone")
	if r.code != 0 {
		t.Fatalf("init --restore: exit %d, stderr %q", r.code, r.stderr)
	}
	// No prompt; only the warning that the keys are unencrypted, and the
	// note that the account key is now on this machine.
	if want := "warning: the keys in " + filepath.Join(b["KITH_HOME"], "keys") + " are stored unencrypted"; !strings.HasPrefix(r.stderr, want) || strings.Count(r.stderr, "\n") != 5 ||
		!strings.Contains(r.stderr, "\nNote: this device now holds your account key, which can add and revoke your devices.\n") || !strings.Contains(r.stderr, "'kith account key remove' takes the key off this one.\n") {
		t.Errorf("init --restore with a piped phrase printed %q on stderr, want the line %q… and the note on the account key", r.stderr, want)
	}
	var o initOut
	if err := json.Unmarshal([]byte(r.stdout), &o); err != nil {
		t.Fatalf("%v in %q", err, r.stdout)
	}
	if !o.Restored || o.Account != orig.Account || o.AccountPublicKey != orig.AccountPublicKey {
		t.Errorf("restored %+v, want account %s", o, orig.Account)
	}
	if o.Device == orig.Device || o.Device == "" {
		t.Errorf("restored device %q, want a new device (old %s)", o.Device, orig.Device)
	}
	if o.RecoveryPhrase != "" {
		t.Error("init --restore prints the recovery phrase")
	}
	var id initOut
	b.okJSON(t, &id, "id")
	if id.Account != orig.Account || id.Device != o.Device {
		t.Errorf("id after restore = %+v", id)
	}
}

func TestRestoreBadInput(t *testing.T) {
	a := newEnv(t)
	orig := initHome(t, a)
	words := strings.Fields(orig.RecoveryPhrase)
	bad := slices.Clone(words)
	bad[6] = "zzzzq"

	cases := []struct {
		name  string
		stdin string
		code  int
		want  []string
	}{
		{"bad word", strings.Join(bad, " "), 1, []string{`"zzzzq"`, "word 7"}},
		{"too few words", strings.Join(words[:23], " "), 1, []string{"23"}},
		{"empty", "  \n", 2, []string{"no recovery phrase on stdin"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newEnv(t)
			r := b.run(t, []byte(c.stdin), "init", "--restore")
			if r.code != c.code {
				t.Errorf("exit %d, want %d (stderr %q)", r.code, c.code, r.stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("stderr %q does not contain %q", r.stderr, w)
				}
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			// Nothing was created.
			if r := b.run(t, nil, "id"); r.code != 1 || !strings.Contains(r.stderr, "kith init") {
				t.Errorf("id after a failed restore: exit %d, stderr %q", r.code, r.stderr)
			}
		})
	}
}

type entryOut struct {
	ID          string         `json:"id"`
	Author      string         `json:"author"`
	LogID       string         `json:"log_id"`
	Seq         uint64         `json:"seq"`
	Backlink    *string        `json:"backlink"`
	Timestamp   uint64         `json:"timestamp"`
	PayloadSize uint64         `json:"payload_size"`
	Type        *string        `json:"type"`
	Payload     map[string]any `json:"payload"`
	Deleted     bool           `json:"deleted"`
}

func TestPostShowLog(t *testing.T) {
	e := newEnv(t)
	me := initHome(t, e)

	out := e.ok(t, "post", "hello, kith")
	id := strings.TrimSuffix(out, "\n")
	if _, err := entry.ParseID(id); err != nil || !strings.HasPrefix(id, "ent_") || strings.Contains(id, "\n") {
		t.Fatalf("post printed %q, want one ent_ id", out)
	}

	var shown entryOut
	e.okJSON(t, &shown, "show", id)
	if shown.ID != id || shown.Type == nil || *shown.Type != "post" || shown.Payload["text"] != "hello, kith" {
		t.Errorf("show = %+v, want the post", shown)
	}
	if shown.Author != me.Device || shown.Seq != 1 || shown.Backlink != nil || shown.LogID != entry.PublicLog.String() {
		t.Errorf("show = author %s seq %d backlink %v log %s", shown.Author, shown.Seq, shown.Backlink, shown.LogID)
	}

	// --raw: the exact bytes, which parse back to the same entry.
	var raw struct {
		ID         string  `json:"id"`
		HeaderHex  string  `json:"header_hex"`
		PayloadHex *string `json:"payload_hex"`
	}
	e.okJSON(t, &raw, "show", "--raw", id)
	hb, err := hex.DecodeString(raw.HeaderHex)
	if err != nil {
		t.Fatalf("header_hex: %v", err)
	}
	if raw.PayloadHex == nil {
		t.Fatal("payload_hex is null for a held payload")
	}
	pb, err := hex.DecodeString(*raw.PayloadHex)
	if err != nil {
		t.Fatalf("payload_hex: %v", err)
	}
	parsed, err := entry.Parse(hb, pb)
	if err != nil {
		t.Fatalf("entry.Parse(header_hex, payload_hex): %v", err)
	}
	if parsed.ID.String() != id || raw.ID != id || !parsed.Verify() {
		t.Errorf("raw header parses to %s (verified %v), want %s", parsed.ID, parsed.Verify(), id)
	}
	if p, err := content.Decode(pb); err != nil || p.(*content.Post).Text != "hello, kith" {
		t.Errorf("payload_hex decodes to %+v, %v", p, err)
	}

	// A reply, then the log.
	out = e.ok(t, "post", "second", "--reply-to", id)
	id2 := strings.TrimSpace(out)
	e.ok(t, "profile", "set", "--name", "Ada")

	lines := logLines(t, e.ok(t, "--json", "log"))
	if len(lines) != 4 {
		t.Fatalf("log has %d lines, want 4 (device.add, 2 posts, profile)", len(lines))
	}
	byType := map[string][]entryOut{}
	for _, l := range lines {
		byType[*l.Type] = append(byType[*l.Type], l)
	}
	if c := byType["device.add"]; len(c) != 1 || c[0].Author != me.Account || c[0].Seq != 1 || c[0].Backlink != nil {
		t.Errorf("device.add lines = %+v, want one by the account at seq 1", c)
	} else if devKey, _ := identity.ParseDevice(me.Device); c[0].LogID != content.DeviceCertLog(devKey.Key()).String() {
		t.Errorf("device.add log %s, want the device's cert log", c[0].LogID)
	}
	posts := byType["post"]
	if len(posts) != 2 || posts[0].ID != id || posts[1].ID != id2 {
		t.Fatalf("post lines = %+v, want %s then %s", posts, id, id2)
	}
	if posts[1].Seq != 2 || posts[1].Backlink == nil || *posts[1].Backlink != id || posts[1].Payload["reply_to"] != id || posts[1].Payload["text"] != "second" {
		t.Errorf("reply line = %+v", posts[1])
	}
	if posts[1].Timestamp <= posts[0].Timestamp {
		t.Errorf("timestamps %d then %d do not grow", posts[0].Timestamp, posts[1].Timestamp)
	}
	if p := byType["profile"]; len(p) != 1 || p[0].Payload["name"] != "Ada" || p[0].Seq != 3 || p[0].Author != me.Device {
		t.Errorf("profile lines = %+v, want one with name Ada at seq 3", p)
	}

	// The same log by device id lists only the device's public log.
	if l := logLines(t, e.ok(t, "--json", "log", me.Device)); len(l) != 3 {
		t.Errorf("log %s has %d lines, want 3", me.Device, len(l))
	}
	// Human form: one section per log (a title line, then a line per
	// entry), an empty line between sections.
	if human := e.ok(t, "log"); strings.Count(human, "\n") != 7 || !strings.Contains(human, "  post           hello, kith\n") ||
		!strings.Contains(human, ", public log (3 entries)\n") || !strings.Contains(human, "(1 entry)\n  #1 ") {
		t.Errorf("human log = %q", human)
	}
}

// logLines decodes `log --json` output: one JSON object per line, each
// with all the documented fields.
func logLines(t *testing.T, out string) []entryOut {
	t.Helper()
	var res []entryOut
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &fields); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		for _, f := range []string{"id", "author", "log_id", "seq", "backlink", "timestamp", "type", "payload"} {
			if _, ok := fields[f]; !ok {
				t.Errorf("log line lacks %q: %s", f, sc.Text())
			}
		}
		var e entryOut
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatal(err)
		}
		if e.Type == nil {
			t.Fatalf("log line without type: %s", sc.Text())
		}
		res = append(res, e)
	}
	return res
}

func TestProfileSet(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	var p1, p2 map[string]any
	e.okJSON(t, &p1, "profile", "set", "--name", "Ada")
	e.okJSON(t, &p2, "profile", "set", "--about", "counts things")
	if p1["name"] != "Ada" || p1["about"] != "" {
		t.Errorf("first profile = %v", p1)
	}
	if p2["name"] != "Ada" || p2["about"] != "counts things" {
		t.Errorf("second profile = %v, want the name kept", p2)
	}
	r := e.run(t, nil, "profile", "set")
	if r.code != 2 || !strings.Contains(r.stderr, "--name") {
		t.Errorf("profile set without fields: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestDeleteAndSocial(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	other := initHome(t, newEnv(t))
	id := strings.TrimSpace(e.ok(t, "post", "regret"))
	var del map[string]any
	e.okJSON(t, &del, "delete", id)
	if del["deleted"] != id {
		t.Errorf("delete = %v", del)
	}
	var shown entryOut
	e.okJSON(t, &shown, "show", id)
	if !shown.Deleted || shown.Payload != nil || shown.Type != nil {
		t.Errorf("deleted post shows as %+v", shown)
	}
	for _, cmd := range []string{"follow", "unfollow", "block", "unblock"} {
		var o map[string]any
		e.okJSON(t, &o, cmd, other.Account)
		if o["account"] != other.Account || o[cmd] != true {
			t.Errorf("%s = %v", cmd, o)
		}
	}
	r := e.run(t, nil, "follow", other.Device)
	if r.code != 2 || !strings.Contains(r.stderr, "acc") {
		t.Errorf("follow DEVICE: exit %d, stderr %q; want 2", r.code, r.stderr)
	}
}

func TestBlobRoundTrip(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	dir := t.TempDir()
	data := bytes.Repeat([]byte("kith blob \x00\xff"), 10000)
	in := filepath.Join(dir, "in.bin")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(e.ok(t, "blob", "add", in))
	if id != blob.Sum(data).String() {
		t.Fatalf("blob add printed %q, want %s", id, blob.Sum(data))
	}
	out := filepath.Join(dir, "out.bin")
	var got map[string]any
	e.okJSON(t, &got, "blob", "get", id, "--out", out)
	if got["id"] != id || got["size"] != float64(len(data)) || got["out"] != out {
		t.Errorf("blob get = %v", got)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, data) {
		t.Errorf("blob get wrote %d bytes that differ from the %d added", len(b), len(data))
	}
	// To stdout.
	if s := e.ok(t, "blob", "get", id); s != string(data) {
		t.Errorf("blob get to stdout: %d bytes differ", len(s))
	}
	// --json without --out is refused: bytes and JSON cannot share stdout.
	if r := e.run(t, nil, "--json", "blob", "get", id); r.code != 2 {
		t.Errorf("blob get --json without --out: exit %d", r.code)
	}
	missing := blob.Sum([]byte("absent")).String()
	if r := e.run(t, nil, "blob", "get", missing, "--out", out); r.code != 1 || !strings.Contains(r.stderr, "not held here") {
		t.Errorf("blob get of a missing blob: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestExportImport(t *testing.T) {
	a := newEnv(t)
	initHome(t, a)
	for _, text := range []string{"one", "two", "three"} {
		a.ok(t, "post", text)
	}
	bundleFile := filepath.Join(t.TempDir(), "a.kith")
	var ex map[string]any
	a.okJSON(t, &ex, "export", "--out", bundleFile)
	if ex["entries"] != float64(4) || ex["logs"] != float64(2) || ex["out"] != bundleFile {
		t.Errorf("export = %v, want 4 entries from 2 logs", ex)
	}
	fi, err := os.Stat(bundleFile)
	if err != nil {
		t.Fatal(err)
	}
	if ex["bytes"] != float64(fi.Size()) {
		t.Errorf("export reports %v bytes, file has %d", ex["bytes"], fi.Size())
	}

	b := newEnv(t)
	initHome(t, b)
	var im map[string]any
	b.okJSON(t, &im, "import", bundleFile)
	if im["entries_new"] != float64(4) || im["entries_known"] != float64(0) || im["entries_rejected"] != float64(0) || im["bytes_read"] != float64(fi.Size()) {
		t.Errorf("import = %v, want 4 new", im)
	}
	b.okJSON(t, &im, "import", bundleFile)
	if im["entries_new"] != float64(0) || im["entries_known"] != float64(4) {
		t.Errorf("second import = %v, want 4 known", im)
	}
	// B now lists A's posts.
	aid := initOut{}
	a.okJSON(t, &aid, "id")
	if l := logLines(t, b.ok(t, "--json", "log", aid.Account)); len(l) != 4 {
		t.Errorf("B: log of A has %d lines, want 4", len(l))
	}

	// Through a pipe: export to stdout, import from stdin.
	r := a.run(t, nil, "export")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "KITHBNDL") || !strings.Contains(r.stderr, "exported 4 entries") {
		t.Fatalf("export to stdout: exit %d, stderr %q, stdout starts %q", r.code, r.stderr, r.stdout[:min(8, len(r.stdout))])
	}
	c := newEnv(t)
	initHome(t, c)
	r = c.run(t, []byte(r.stdout), "import", "-")
	if r.code != 0 || !strings.Contains(r.stdout, "entries: 4 new, 0 already known, 0 rejected") {
		t.Errorf("import -: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}

	// A damaged bundle: exit 1, the stats still printed.
	data, err := os.ReadFile(bundleFile)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.kith")
	if err := os.WriteFile(cut, data[:len(data)-10], 0o644); err != nil {
		t.Fatal(err)
	}
	d := newEnv(t)
	initHome(t, d)
	r = d.run(t, nil, "--json", "import", cut)
	if r.code != 1 {
		t.Errorf("import of a truncated bundle: exit %d, want 1", r.code)
	}
	if err := json.Unmarshal([]byte(r.stdout), &im); err != nil || im["entries_new"] != float64(4) || !strings.Contains(im["error"].(string), "truncated") {
		t.Errorf("import of a truncated bundle printed %q (%v)", r.stdout, err)
	}
	checkJSONError(t, r.stderr, "failed", "truncated")
}

// checkJSONError checks that stderr is exactly one {"error":{"code","message"}}.
func checkJSONError(t *testing.T, stderr, code, inMessage string) {
	t.Helper()
	var top map[string]map[string]any
	if err := json.Unmarshal([]byte(stderr), &top); err != nil {
		t.Fatalf("stderr %q is not a JSON error: %v", stderr, err)
	}
	e, ok := top["error"]
	if len(top) != 1 || !ok || len(e) != 2 {
		t.Fatalf("stderr %q: want exactly {\"error\":{\"code\",\"message\"}}", stderr)
	}
	if e["code"] != code {
		t.Errorf("error code %v, want %q", e["code"], code)
	}
	if msg, _ := e["message"].(string); !strings.Contains(msg, inMessage) {
		t.Errorf("error message %q does not contain %q", msg, inMessage)
	}
}

func TestUsageErrors(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"post"}, "usage: kith post TEXT"},
		{[]string{"post", "a", "b"}, "usage: kith post TEXT"},
		{[]string{"show"}, "usage: kith show ENTRY_ID"},
		{[]string{"show", "not-an-id"}, "ent"},
		{[]string{"follow"}, "usage: kith follow ACCOUNT"},
		{[]string{"blob", "add"}, "usage: kith blob add FILE"},
		{[]string{"blob", "get"}, "usage: kith blob get BLOB_ID"},
		{[]string{"delete"}, "usage: kith delete ENTRY_ID"},
		{[]string{"import"}, "usage: kith import FILE"},
		{[]string{"id", "extra"}, "usage: kith id"},
		{[]string{"log", "a", "b"}, "usage: kith log"},
		{[]string{"post", "--bogus", "x"}, "bogus"},
		{[]string{"--bogus", "id"}, "bogus"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			r := e.run(t, nil, c.args...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2", r.code)
			}
			if !strings.HasPrefix(r.stderr, "kith: ") || !strings.Contains(r.stderr, c.want) {
				t.Errorf("stderr %q, want 'kith: …%s…'", r.stderr, c.want)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			// The same with --json: a JSON error.
			r = e.run(t, nil, append([]string{"--json"}, c.args...)...)
			if r.code != 2 {
				t.Errorf("--json: exit %d, want 2", r.code)
			}
			if c.args[0] != "--bogus" { // a bad global flag is found before --json is known
				checkJSONError(t, r.stderr, "usage", c.want)
			}
		})
	}
	// No command at all prints usage and exits 2; help exits 0.
	if r := e.run(t, nil); r.code != 2 || !strings.Contains(r.stdout, "Commands:") {
		t.Errorf("no args: exit %d, stdout %q", r.code, r.stdout)
	}
	if r := e.run(t, nil, "help"); r.code != 0 || !strings.Contains(r.stdout, "blob add") {
		t.Errorf("help: exit %d", r.code)
	}
	if r := e.run(t, nil, "post", "--help"); r.code != 0 || !strings.Contains(r.stdout, "-image") {
		t.Errorf("post --help: exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestUninitialisedHome(t *testing.T) {
	e := newEnv(t)
	someAccount := initHome(t, newEnv(t)).Account
	for _, args := range [][]string{
		{"id"},
		{"post", "hello"},
		{"log"},
		{"profile", "set", "--name", "x"},
		{"follow", someAccount},
		{"export", "--out", filepath.Join(t.TempDir(), "x.kith")},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := e.run(t, nil, args...)
			if r.code != 1 || !strings.Contains(r.stderr, "kith init") {
				t.Errorf("exit %d, stderr %q; want 1 and a message containing 'kith init'", r.code, r.stderr)
			}
			r = e.run(t, nil, append([]string{"--json"}, args...)...)
			if r.code != 1 {
				t.Errorf("--json: exit %d, want 1", r.code)
			}
			checkJSONError(t, r.stderr, "failed", "kith init")
		})
	}
	// Nothing was created by those attempts.
	if entries, err := os.ReadDir(e["KITH_HOME"]); err != nil || len(entries) != 0 {
		t.Errorf("home holds %d entries after failed commands (%v), want none", len(entries), err)
	}
}

func TestHomeFlagAndPassphrase(t *testing.T) {
	home := t.TempDir()
	e := env{"KITH_PASSPHRASE": "s3cret"} // no KITH_HOME: --home decides
	var o initOut
	e.okJSON(t, &o, "--home", home, "init")
	if o.Home != home {
		t.Errorf("home = %q, want %q", o.Home, home)
	}
	// --home after the command works too.
	var id initOut
	e.okJSON(t, &id, "id", "--home", home)
	if id.Account != o.Account {
		t.Errorf("id = %+v", id)
	}

	noPass := env{"KITH_HOME": home}
	r := noPass.run(t, nil, "id")
	if r.code != 1 || !strings.Contains(r.stderr, "--passphrase-file") || !strings.Contains(r.stderr, "KITH_PASSPHRASE") {
		t.Errorf("id without passphrase: exit %d, stderr %q", r.code, r.stderr)
	}
	pf := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(pf, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noPass.okJSON(t, &id, "id", "--passphrase-file", pf)
	if id.Account != o.Account {
		t.Errorf("id with --passphrase-file = %+v", id)
	}
	if err := os.WriteFile(pf, []byte("wrong\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := noPass.run(t, nil, "--passphrase-file", pf, "id"); r.code != 1 || !strings.Contains(r.stderr, "wrong passphrase") {
		t.Errorf("id with a wrong passphrase: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestHumanLogTruncatesOnRuneBoundary(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	text := strings.Repeat("é", 40) // 80 bytes; byte 57 is inside a rune
	e.ok(t, "post", text)
	out := e.ok(t, "log")
	if !utf8.ValidString(out) {
		t.Errorf("human log is not valid UTF-8: %q", out)
	}
	want := strings.Repeat("é", 28) + "..."
	if !strings.Contains(out, "  "+want+"\n") {
		t.Errorf("human log %q lacks the summary %q", out, want)
	}
}

func TestShowForeignAccountEntry(t *testing.T) {
	a := newEnv(t)
	aid := initHome(t, a)
	b := newEnv(t)
	initHome(t, b)
	file := filepath.Join(t.TempDir(), "a.kith")
	a.ok(t, "export", "--out", file)
	b.ok(t, "import", file)
	// A's device certificate is authored by A's account: both log and show
	// name that author as an account.
	var cert entryOut
	for _, l := range logLines(t, b.ok(t, "--json", "log", aid.Account)) {
		if *l.Type == "device.add" {
			cert = l
		}
	}
	if cert.Author != aid.Account {
		t.Fatalf("log: device.add author %q, want %s", cert.Author, aid.Account)
	}
	var shown entryOut
	b.okJSON(t, &shown, "show", cert.ID)
	if shown.Author != aid.Account {
		t.Errorf("show: device.add author %q, want %s", shown.Author, aid.Account)
	}
	if shown.Payload["device"] != aid.Device {
		t.Errorf("show: device.add payload %v, want device %s", shown.Payload, aid.Device)
	}
}

// gpsPNG returns a small PNG with an eXIf chunk holding a GPS IFD pointer,
// and the same PNG without it.
func gpsPNG(t *testing.T) (plain, withGPS []byte) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	plain = buf.Bytes()
	le := binary.LittleEndian
	tiff := le.AppendUint32([]byte("II*\x00"), 8)
	tiff = le.AppendUint16(tiff, 1)
	tiff = le.AppendUint16(tiff, 0x8825)
	tiff = le.AppendUint16(tiff, 4)
	tiff = le.AppendUint32(tiff, 1)
	tiff = le.AppendUint32(tiff, 26)
	tiff = le.AppendUint32(tiff, 0)
	tiff = le.AppendUint16(tiff, 0)
	tiff = le.AppendUint32(tiff, 0)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(tiff)))
	chunk = append(append(chunk, "eXIf"...), tiff...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	const afterIHDR = 33
	withGPS = slices.Concat(plain[:afterIHDR], chunk, plain[afterIHDR:])
	if has, err := blob.HasLocation(bytes.NewReader(withGPS)); !has || err != nil {
		t.Fatalf("test image: HasLocation = %v, %v", has, err)
	}
	return plain, withGPS
}

func TestPostImageRemovesLocation(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	plain, withGPS := gpsPNG(t)
	file := filepath.Join(t.TempDir(), "photo.png")
	if err := os.WriteFile(file, withGPS, 0o644); err != nil {
		t.Fatal(err)
	}
	var p struct {
		ID      string   `json:"id"`
		Seq     uint64   `json:"seq"`
		Images  []string `json:"images"`
		Removed []string `json:"location_removed_from"`
	}
	e.okJSON(t, &p, "post", "look", "--image", file)
	want := blob.Sum(plain).String()
	if p.Seq != 1 || len(p.Images) != 1 || p.Images[0] != want || len(p.Removed) != 1 || p.Removed[0] != file {
		t.Errorf("post --image = %+v, want image %s with location removed from %s", p, want, file)
	}
	var shown entryOut
	e.okJSON(t, &shown, "show", p.ID)
	if imgs, _ := shown.Payload["images"].([]any); len(imgs) != 1 || imgs[0] != want {
		t.Errorf("show: images %v, want [%s]", shown.Payload["images"], want)
	}
	out := filepath.Join(t.TempDir(), "got.png")
	e.ok(t, "blob", "get", want, "--out", out)
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, plain) {
		t.Error("the stored image is not the original without its eXIf chunk")
	}
	// Human mode says so on stderr; blob add without --publish keeps it.
	r := e.run(t, nil, "post", "again", "--image", file)
	if r.code != 0 || r.stderr != "removed location metadata from "+file+"\n" {
		t.Errorf("post --image: exit %d, stderr %q", r.code, r.stderr)
	}
	id := strings.TrimSpace(e.ok(t, "blob", "add", file))
	if id != blob.Sum(withGPS).String() {
		t.Errorf("blob add without --publish stored %s, want the file as it is (%s)", id, blob.Sum(withGPS))
	}
	var added map[string]any
	e.okJSON(t, &added, "blob", "add", "--publish", file)
	if added["id"] != want || added["location_removed"] != true || added["size"] != float64(len(plain)) {
		t.Errorf("blob add --publish = %v", added)
	}
}

// TestPhrasePassphrase checks --phrase-passphrase-file and
// KITH_PHRASE_PASSPHRASE: the BIP39 passphrase makes another account, and
// restoring needs the same one.
func TestPhrasePassphrase(t *testing.T) {
	dir := t.TempDir()
	ppFile := filepath.Join(dir, "pp")
	if err := os.WriteFile(ppFile, []byte("twenty-fifth word\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := newEnv(t)
	var o initOut
	a.okJSON(t, &o, "init", "--phrase-passphrase-file", ppFile)
	phrase, err := identity.ParsePhrase(o.RecoveryPhrase)
	if err != nil {
		t.Fatal(err)
	}
	withPP, _ := identity.AccountKeyFromPhrase(phrase, "twenty-fifth word")
	without, _ := identity.AccountKeyFromPhrase(phrase, "")
	if o.Account != withPP.Public().Account().String() {
		t.Fatalf("init with a phrase passphrase made %s, want %s", o.Account, withPP.Public().Account())
	}
	restore := func(e env, args ...string) string {
		t.Helper()
		r := e.run(t, []byte(o.RecoveryPhrase), append([]string{"--json", "init", "--restore"}, args...)...)
		if r.code != 0 {
			t.Fatalf("init --restore %v: exit %d, stderr %q", args, r.code, r.stderr)
		}
		var ro initOut
		if err := json.Unmarshal([]byte(r.stdout), &ro); err != nil {
			t.Fatal(err)
		}
		return ro.Account
	}
	if got := restore(newEnv(t)); got == o.Account || got != without.Public().Account().String() {
		t.Errorf("restore without the phrase passphrase: %s, want %s", got, without.Public().Account())
	}
	if got := restore(newEnv(t), "--phrase-passphrase-file", ppFile); got != o.Account {
		t.Errorf("restore with the same phrase passphrase file: %s, want %s", got, o.Account)
	}
	e := newEnv(t)
	e["KITH_PHRASE_PASSPHRASE"] = "twenty-fifth word"
	if got := restore(e); got != o.Account {
		t.Errorf("restore with KITH_PHRASE_PASSPHRASE: %s, want %s", got, o.Account)
	}
	e = newEnv(t)
	e["KITH_PHRASE_PASSPHRASE"] = "another"
	if got := restore(e); got == o.Account {
		t.Errorf("restore with another phrase passphrase gave the same account")
	}
	// The human output of init reminds that restoring needs it.
	if out := newEnv(t).ok(t, "init", "--phrase-passphrase-file", ppFile); !strings.Contains(out, "same passphrase") {
		t.Errorf("init output does not mention the phrase passphrase:\n%s", out)
	}
	// An empty file is a mistake, not "no passphrase".
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := newEnv(t).run(t, nil, "init", "--phrase-passphrase-file", empty); r.code != 2 || !strings.Contains(r.stderr, "is empty") {
		t.Errorf("empty phrase passphrase file: exit %d, stderr %q", r.code, r.stderr)
	}
	// The help says what it is.
	help := newEnv(t).ok(t, "init", "--help")
	for _, want := range []string{"--phrase-passphrase-file", "KITH_PHRASE_PASSPHRASE", "BIP39 passphrase", `"25th word"`, "needs the same passphrase", "not the key-file passphrase", "KITH_PASSPHRASE"} {
		if !strings.Contains(help, want) {
			t.Errorf("init --help lacks %q:\n%s", want, help)
		}
	}
}

func TestBlobMaxSize(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	f := filepath.Join(t.TempDir(), "f.bin")
	if err := os.WriteFile(f, bytes.Repeat([]byte{7}, 2000), 0o644); err != nil {
		t.Fatal(err)
	}
	// A 1×1 GIF with 2,000 bytes after it.
	pic := filepath.Join(t.TempDir(), "pic.gif")
	gif := []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
	if err := os.WriteFile(pic, append(gif, bytes.Repeat([]byte{7}, 2000)...), 0o644); err != nil {
		t.Fatal(err)
	}
	// The default (64 MiB) takes it.
	e.ok(t, "blob", "add", f)
	for _, args := range [][]string{
		{"--blob-max-size", "1KiB", "blob", "add", f},
		{"blob", "add", f, "--blob-max-size", "1000"},
		{"--blob-max-size", "1 kb", "blob", "add", f},
		{"post", "x", "--image", pic, "--blob-max-size", "1999"},
	} {
		r := e.run(t, nil, args...)
		if r.code != 1 || !strings.Contains(r.stderr, "raise the limit with --blob-max-size or KITH_BLOB_MAX_SIZE") {
			t.Errorf("kith %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	if r := e.run(t, nil, "--blob-max-size", "1KiB", "blob", "add", f); !strings.Contains(r.stderr, "size limit of 1 KiB (1024 bytes)") {
		t.Errorf("the error does not name the limit: %q", r.stderr)
	}
	// The environment variable, and the flag over it.
	small := env{"KITH_HOME": e["KITH_HOME"], "KITH_BLOB_MAX_SIZE": "1KiB"}
	if r := small.run(t, nil, "blob", "add", f); r.code != 1 || !strings.Contains(r.stderr, "1 KiB") {
		t.Errorf("KITH_BLOB_MAX_SIZE=1KiB: exit %d, stderr %q", r.code, r.stderr)
	}
	small.ok(t, "blob", "add", f, "--blob-max-size", "2000")
	small.ok(t, "--blob-max-size", "1GiB", "blob", "add", f)
	// Bad values are usage errors.
	for _, v := range []string{"lots", "0", "-5", "1.5", "64XB", "99999999999999999999", "9999999TiB"} {
		r := e.run(t, nil, "--blob-max-size", v, "id")
		if r.code != 2 || !strings.Contains(r.stderr, "--blob-max-size") {
			t.Errorf("--blob-max-size %q: exit %d, stderr %q", v, r.code, r.stderr)
		}
	}
	bad := env{"KITH_HOME": e["KITH_HOME"], "KITH_BLOB_MAX_SIZE": "big"}
	if r := bad.run(t, nil, "id"); r.code != 2 || !strings.Contains(r.stderr, "KITH_BLOB_MAX_SIZE") {
		t.Errorf("KITH_BLOB_MAX_SIZE=big: exit %d, stderr %q", r.code, r.stderr)
	}
	if out := e.ok(t, "help"); !strings.Contains(out, "--blob-max-size") || !strings.Contains(out, "KITH_BLOB_MAX_SIZE") {
		t.Errorf("help does not mention --blob-max-size:\n%s", out)
	}
}

func TestLogArgumentErrors(t *testing.T) {
	e := newEnv(t)
	me := initHome(t, e)
	id := strings.TrimSpace(e.ok(t, "post", "hi"))
	r := e.run(t, nil, "log", id)
	if r.code != 2 || !strings.Contains(r.stderr, "expected an account or device id (acc_… or dev_…), got an entry id (ent_…)") {
		t.Errorf("log ENTRY_ID: exit %d, stderr %q", r.code, r.stderr)
	}
	// An account with nothing held here is named by its id, as typed or not.
	other := initHome(t, newEnv(t))
	r = e.run(t, nil, "log", " "+strings.ToUpper(other.Account)+" ")
	if r.code != 1 || !strings.Contains(r.stderr, "no entries of "+other.Account+" are held here") {
		t.Errorf("log of an account not held: exit %d, stderr %q", r.code, r.stderr)
	}
	r = e.run(t, nil, "log", other.Device)
	if r.code != 1 || !strings.Contains(r.stderr, "no entries of "+other.Device+" are held here") {
		t.Errorf("log of a device not held: exit %d, stderr %q", r.code, r.stderr)
	}
	// Own device: its entries.
	if l := logLines(t, e.ok(t, "--json", "log", me.Device)); len(l) != 1 {
		t.Errorf("log of this device has %d entries, want 1", len(l))
	}
}

// TestStoreDeleted checks that a home whose kith.db was deleted is not
// opened with a new, empty store (which printed "no entries of  are held
// here" and would have forked this device's logs on the next post).
func TestStoreDeleted(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	e.ok(t, "post", "hello")
	matches, _ := filepath.Glob(filepath.Join(e["KITH_HOME"], "kith.db*"))
	for _, m := range matches {
		if err := os.Remove(m); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"log"}, {"post", "again"}, {"id"}} {
		r := e.run(t, nil, args...)
		if r.code != 1 || !strings.Contains(r.stderr, "store is missing or was replaced") || !strings.Contains(r.stderr, "kith init --restore") || strings.Contains(r.stderr, "no entries of  ") {
			t.Errorf("kith %s without kith.db: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(e["KITH_HOME"], "kith.db")); !os.IsNotExist(err) {
		t.Errorf("a command recreated kith.db: %v", err)
	}
}

// TestOutputPathErrors checks that failing to write --out names the path
// given, not the temporary file written beside it.
func TestOutputPathErrors(t *testing.T) {
	e := newEnv(t)
	initHome(t, e)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.bin")
	if err := os.WriteFile(in, []byte("blob bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(e.ok(t, "blob", "add", in))
	missingDir := filepath.Join(dir, "nonexist")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "--out", filepath.Join(missingDir, "x.kithbundle")}, "cannot write " + filepath.Join(missingDir, "x.kithbundle") + ": directory does not exist"},
		{[]string{"blob", "get", id, "--out", filepath.Join(missingDir, "x.bin")}, "cannot write " + filepath.Join(missingDir, "x.bin") + ": directory does not exist"},
		{[]string{"export", "--out", dir}, "cannot write " + dir + ": it is a directory"},
		{[]string{"blob", "get", id, "--out", dir}, "cannot write " + dir + ": it is a directory"},
		{[]string{"export", "--out", filepath.Join(in, "x")}, "cannot write " + filepath.Join(in, "x") + ": " + in + " is not a directory"},
	} {
		r := e.run(t, nil, c.args...)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) || strings.Contains(r.stderr, ".kith-") {
			t.Errorf("kith %s: exit %d, stderr %q; want %q", strings.Join(c.args, " "), r.code, r.stderr, c.want)
		}
	}
	if os.Geteuid() != 0 {
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(ro, "x.kithbundle")
		r := e.run(t, nil, "export", "--out", out)
		if r.code != 1 || !strings.Contains(r.stderr, "cannot write "+out+": permission denied") || strings.Contains(r.stderr, ".kith-") {
			t.Errorf("export into a read-only directory: exit %d, stderr %q", r.code, r.stderr)
		}
	}
	// Nothing is left behind in the target directory.
	ents, _ := os.ReadDir(dir)
	for _, en := range ents {
		if strings.HasPrefix(en.Name(), ".kith-") {
			t.Errorf("temporary file %s left behind", en.Name())
		}
	}
	// The modes: a fetched blob is an ordinary file, a bundle is private.
	blobOut, bundleOut := filepath.Join(dir, "b.bin"), filepath.Join(dir, "a.kithbundle")
	e.ok(t, "blob", "get", id, "--out", blobOut)
	e.ok(t, "export", "--out", bundleOut)
	for path, want := range map[string]os.FileMode{blobOut: 0o644, bundleOut: 0o600} {
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", path, fi.Mode().Perm(), err, want)
		}
	}
}
