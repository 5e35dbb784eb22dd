package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

func init() {
	register(&command{
		name:    "completion",
		args:    "bash|zsh|fish",
		summary: "print a shell completion script for kith's commands and flags",
		help: `Load it in your shell's start-up file, e.g.
  bash:  source <(kith completion bash)          (in ~/.bashrc)
  zsh:   source <(kith completion zsh)           (in ~/.zshrc)
  fish:  kith completion fish | source           (in ~/.config/fish/config.fish)`,
		run: runCompletion,
	})
}

func runCompletion(_ context.Context, c *call) error {
	if err := c.wantArgs(1, 1); err != nil {
		return err
	}
	t := completionTree(c)
	switch c.args[0] {
	case "bash":
		writeBashCompletion(c.env.Stdout, t)
	case "zsh":
		fmt.Fprintln(c.env.Stdout, "#compdef kith\nautoload -U +X bashcompinit && bashcompinit")
		writeBashCompletion(c.env.Stdout, t)
	case "fish":
		writeFishCompletion(c.env.Stdout, t)
	default:
		return usagef("kith completion: %q is not a shell kith writes completion for: give bash, zsh or fish", c.args[0])
	}
	return nil
}

// completion is what the scripts complete: the words that may follow each
// command prefix ("" for the first word), and each command's flags.
type completion struct {
	next  map[string][]string // prefix → words that may follow it
	flags map[string][]string // command name → its flags and the global ones, with "--"
}

func completionTree(k *call) completion {
	t := completion{next: map[string][]string{}, flags: map[string][]string{}}
	seen := map[string]bool{}
	for _, c := range commands {
		words := strings.Fields(c.name)
		for i := range words {
			prefix := strings.Join(words[:i], " ")
			key := prefix + "\x00" + words[i]
			if !seen[key] {
				seen[key] = true
				t.next[prefix] = append(t.next[prefix], words[i])
			}
		}
		fs := flag.NewFlagSet("", flag.ContinueOnError)
		scratch := &call{env: k.env, strs: map[string]*string{}, bools: map[string]*bool{}, multi: map[string]*multiFlag{}}
		globalFlags(fs, scratch)
		if c.flags != nil {
			c.flags(fs, scratch)
		}
		var fl []string
		fs.VisitAll(func(f *flag.Flag) { fl = append(fl, "--"+f.Name) })
		sort.Strings(fl)
		t.flags[c.name] = fl
	}
	for p := range t.next {
		sort.Strings(t.next[p])
	}
	return t
}

// writeBashCompletion writes a bash function that completes the command
// words, then the command's flags after a "-".
func writeBashCompletion(w io.Writer, t completion) {
	fmt.Fprintln(w, "# kith completion for bash (kith completion bash)")
	fmt.Fprintln(w, "_kith() {")
	fmt.Fprintln(w, `  local cur="${COMP_WORDS[COMP_CWORD]}" prefix="" stray="" w i`)
	fmt.Fprintln(w, `  for ((i = 1; i < COMP_CWORD; i++)); do`)
	fmt.Fprintln(w, `    w="${COMP_WORDS[i]}"`)
	fmt.Fprintln(w, `    case "$w" in -*) continue ;; esac`)
	fmt.Fprintln(w, `    if [[ -n "$(_kith_next "${prefix:+$prefix }$w")" || -n "$(_kith_flags "${prefix:+$prefix }$w")" ]]; then prefix="${prefix:+$prefix }$w"; else stray=1; break; fi`)
	fmt.Fprintln(w, "  done")
	fmt.Fprintln(w, `  if [[ "$cur" == -* ]]; then`)
	fmt.Fprintln(w, `    if [[ -n "$prefix" ]]; then w="$(_kith_flags "$prefix")"; else w="--home --json --passphrase-file --blob-max-size"; fi`)
	fmt.Fprintln(w, `    COMPREPLY=($(compgen -W "$w" -- "$cur"))`)
	fmt.Fprintln(w, `  elif [[ -z "$stray" ]]; then`)
	fmt.Fprintln(w, `    COMPREPLY=($(compgen -W "$(_kith_next "$prefix")" -- "$cur"))`)
	fmt.Fprintln(w, "  else")
	fmt.Fprintln(w, "    COMPREPLY=()")
	fmt.Fprintln(w, "  fi")
	fmt.Fprintln(w, "}")
	writeBashCase(w, "_kith_next", t.next)
	writeBashCase(w, "_kith_flags", t.flags)
	fmt.Fprintln(w, "complete -F _kith kith")
}

// writeBashCase writes a bash function name that echoes m's words for its
// argument.
func writeBashCase(w io.Writer, name string, m map[string][]string) {
	fmt.Fprintf(w, "%s() {\n  case \"$1\" in\n", name)
	for _, k := range sortedKeys(m) {
		fmt.Fprintf(w, "    %q) echo %q ;;\n", k, strings.Join(m[k], " "))
	}
	fmt.Fprintln(w, "  esac\n}")
}

// writeFishCompletion writes fish `complete` lines: the first word, each
// group's next word, and each command's flags.
func writeFishCompletion(w io.Writer, t completion) {
	fmt.Fprintln(w, "# kith completion for fish (kith completion fish | source)")
	fmt.Fprintln(w, "complete -c kith -f")
	fmt.Fprintf(w, "complete -c kith -n __fish_use_subcommand -a %q\n", strings.Join(t.next[""], " "))
	for _, p := range sortedKeys(t.next) {
		if p == "" {
			continue
		}
		fmt.Fprintf(w, "complete -c kith -n '__fish_seen_subcommand_from %s' -a %q\n", p, strings.Join(t.next[p], " "))
	}
	for _, name := range sortedKeys(t.flags) {
		last := strings.Fields(name)
		for _, f := range t.flags[name] {
			fmt.Fprintf(w, "complete -c kith -n '__fish_seen_subcommand_from %s' -l %s\n", last[len(last)-1], strings.TrimPrefix(f, "--"))
		}
	}
}

func sortedKeys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
