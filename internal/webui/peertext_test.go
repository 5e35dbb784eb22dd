package webui

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/kithnet/kith/internal/content"
)

// peerNames are names of every kind: plain, look-alikes, hostile ones
// (bidi overrides, zero-width characters, odd spaces) and other scripts.
var peerNames = []string{
	"Carol", "CAROL", "  Carol  ", "Carol\u200b", "\u202elaroC", "Ca\u00a0rol", "Сarol", "Саrоl",
	"CaroI", "Caro1", "Cárol", "Ca\u0301rol", "Ｃａｒｏｌ", "Bob\ufe0f", "Mary  Ann", "Maгy", "Kim",
	"Barney", "Avvery", "ΒΟΒ", "山田 太郎", "Ana \U0001F469\u200d\U0001F4BB", "می\u200cخواهم",
	"Bob\u200d", "\u3164", "x\x1b[2Jy", "\ufeffZoë", "a\u2066b\u2069c", "Team 1\ufe0f\u20e3",
	"İstanbul", "ǅemal", "ß", "ẞ", "Σίσυφος", "", "  Mary \u00a0 Ann ", " \ufe0f", "\u2764\ufe0f\ufe0f",
}

// TestPeerTextMatchesGo runs peertext.js under node: its nameKey gives
// what content.NameKey gives for every name, and what cleanName shows is
// a name the payload rules accept (doc/protocol/payloads.md §4).
func TestPeerTextMatchesGo(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node binary on PATH: peertext.js not checked here (cmd/kith's browser test checks it)")
	}
	dir := t.TempDir()
	src, err := fs.ReadFile(Files(), "peertext.js")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "peertext.mjs"), src, 0o600); err != nil {
		t.Fatal(err)
	}
	in, _ := json.Marshal(peerNames)
	driver := `import { nameKey, cleanName } from './peertext.mjs';
const names = JSON.parse(process.argv[2]);
console.log(JSON.stringify(names.map((n) => [nameKey(n), cleanName(n)])));`
	if err := os.WriteFile(filepath.Join(dir, "driver.mjs"), []byte(driver), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(node, filepath.Join(dir, "driver.mjs"), string(in)).Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var got [][2]string
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(peerNames) {
		t.Fatalf("node answered %s: %v", out, err)
	}
	for i, name := range peerNames {
		key, clean := got[i][0], got[i][1]
		if want := content.NameKey(name); key != want {
			t.Errorf("nameKey(%+q) = %+q; content.NameKey gives %+q", name, key, want)
		}
		if err := content.CheckName(clean); err != nil {
			t.Errorf("cleanName(%+q) = %+q, which is not a valid name: %v", name, clean, err)
		}
		if content.NameKey(clean) != content.NameKey(name) {
			t.Errorf("cleanName(%+q) = %+q changes the name's key", name, clean)
		}
	}
	for name, want := range map[string]string{"\u202elaroC": "laroC", "Bob\u200b": "Bob", "  Mary \u00a0 Ann ": "Mary Ann", "Ana \U0001F469\u200d\U0001F4BB": "Ana \U0001F469\u200d\U0001F4BB", "Bob\u200d": "Bob", "x\x1b[2Jy": "x[2Jy"} {
		for i, n := range peerNames {
			if n == name && got[i][1] != want {
				t.Errorf("cleanName(%+q) = %+q, want %+q", name, got[i][1], want)
			}
		}
	}
}
