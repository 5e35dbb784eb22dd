package cli_test

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"
)

// Issue 15, item 11: 'kith --version' and 'kith version --json'; 'kith help
// COMMAND' and 'kith COMMAND --help' for every command and group ('kith
// village --help' exits 0 with the group's commands); the global flags
// listed once, not under every command.
func TestVersionAndHelp(t *testing.T) {
	e := newEnv(t)
	if out := e.ok(t, "--version"); !strings.HasPrefix(out, "kith ") || !strings.HasSuffix(out, "built with "+runtime.Version()+"\n") {
		t.Errorf("kith --version prints %q", out)
	}
	var v struct {
		Version string `json:"version"`
		Go      string `json:"go"`
	}
	out := e.ok(t, "--json", "version")
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Go != runtime.Version() || v.Version == "" {
		t.Errorf("kith --json version prints %q (%v)", out, err)
	}

	group := e.run(t, nil, "village", "--help")
	if group.code != 0 || !strings.HasPrefix(group.stdout, "Usage: kith village COMMAND [ARGS]\n") || !strings.Contains(group.stdout, "\n  village vote ") || strings.Contains(group.stdout, "  post ") {
		t.Errorf("kith village --help: exit %d, stdout %q", group.code, group.stdout)
	}
	if again := e.run(t, nil, "help", "village"); again.code != 0 || again.stdout != group.stdout {
		t.Errorf("kith help village: exit %d, stdout %q; want what 'kith village --help' prints", again.code, again.stdout)
	}

	post := e.run(t, nil, "post", "--help")
	if post.code != 0 || !strings.HasPrefix(post.stdout, "Usage: kith post TEXT\n") || !strings.Contains(post.stdout, "-reply-to") {
		t.Errorf("kith post --help: exit %d, stdout %q", post.code, post.stdout)
	}
	if strings.Contains(post.stdout, "  -passphrase-file string") || strings.Contains(post.stdout, "  -home string") {
		t.Errorf("kith post --help lists the global flags under the command: %q", post.stdout)
	}
	if again := e.run(t, nil, "help", "post"); again.code != 0 || again.stdout != post.stdout {
		t.Errorf("kith help post: exit %d, stdout %q", again.code, again.stdout)
	}
	// A command of two words, and one without flags of its own.
	if r := e.run(t, nil, "help", "village", "found"); r.code != 0 || !strings.HasPrefix(r.stdout, "Usage: kith village found ") {
		t.Errorf("kith help village found: exit %d, stdout %q", r.code, r.stdout)
	}
	if r := e.run(t, nil, "help", "version"); r.code != 0 || strings.Contains(r.stdout, "Flags:") || !strings.Contains(r.stdout, "Global flags") {
		t.Errorf("kith help version: exit %d, stdout %q", r.code, r.stdout)
	}
	// Every command's help exits 0.
	main := e.ok(t, "help")
	for _, line := range strings.Split(main, "\n") {
		if !strings.HasPrefix(line, "  ") || strings.HasPrefix(line, "   ") {
			continue
		}
		// "  NAME ARGS<padding to 40> SUMMARY": the name's words are the
		// lower-case ones before the arguments.
		head := line[2:]
		if len(head) > 40 && head[40] == ' ' {
			head = head[:40]
		}
		var words []string
		for _, w := range strings.Fields(head) {
			if w != strings.ToLower(w) || strings.HasPrefix(w, "-") || strings.ContainsAny(w, "[|") {
				break
			}
			words = append(words, w)
		}
		if len(words) == 0 {
			continue
		}
		if r := e.run(t, nil, append([]string{"help"}, words...)...); r.code != 0 || !strings.HasPrefix(r.stdout, "Usage: kith "+strings.Join(words, " ")) {
			t.Errorf("kith help %s: exit %d, stdout %q", strings.Join(words, " "), r.code, r.stdout)
		}
	}
	if r := e.run(t, nil, "help", "nonsense"); r.code != 2 || !strings.Contains(r.stderr, `unknown command "nonsense"`) {
		t.Errorf("kith help nonsense: %+v", r)
	}
}
