package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Issue 15, item 11: 'kith completion SHELL'. The bash script is run in a
// real bash, which completes command words, a group's commands and a
// command's flags.
func TestCompletion(t *testing.T) {
	e := newEnv(t)
	script := e.ok(t, "completion", "bash")
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash here to run the completion script in")
	}
	path := filepath.Join(t.TempDir(), "kith.bash")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ line, want string }{
		{"kith vil", "village"},
		{"kith village ex", "exclude exclude-vote"},
		{"kith village found --w", "--with"},
		{"kith --json vil", "village"},
		{"kith device ", "list pair revoke"},
		{"kith post --re", "--reply-to"},
		{"kith post --ho", "--home"},
		{"kith nonsense ", ""},
	} {
		prog := `source "$1"; read -ra COMP_WORDS <<< "$2"; [[ "$2" == *" " ]] && COMP_WORDS+=(""); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); _kith; echo "${COMPREPLY[*]}"`
		out, err := exec.Command(bash, "-c", prog, "bash", path, c.line).Output()
		if err != nil {
			t.Fatalf("bash: %v", err)
		}
		if got := strings.TrimSpace(string(out)); got != c.want {
			t.Errorf("completing %q: %q, want %q", c.line, got, c.want)
		}
	}
	if zsh := e.ok(t, "completion", "zsh"); !strings.HasPrefix(zsh, "#compdef kith\n") || !strings.Contains(zsh, "complete -F _kith kith") {
		t.Errorf("zsh script: %.200q", zsh)
	}
	fish := e.ok(t, "completion", "fish")
	for _, want := range []string{"complete -c kith -n __fish_use_subcommand -a \"", "complete -c kith -n '__fish_seen_subcommand_from village' -a \"accept chain", "-l reply-to\n"} {
		if !strings.Contains(fish, want) {
			t.Errorf("fish script lacks %q", want)
		}
	}
	if r := e.run(t, nil, "completion", "tcsh"); r.code != 2 || !strings.Contains(r.stderr, `"tcsh" is not a shell kith writes completion for: give bash, zsh or fish`) {
		t.Errorf("kith completion tcsh: %+v", r)
	}
}
