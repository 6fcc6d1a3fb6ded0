package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
)

// helpShown is the answer to --help: run prints text to stdout and exits 0.
type helpShown struct{ text string }

func (h *helpShown) Error() string { return "help requested" }

func isHelpFlag(arg string) bool {
	return slices.Contains([]string{"-h", "-help", "--help", "help"}, arg)
}

// findCommand returns the command args begin with (two words before one)
// and the arguments that follow its name, or nil.
func findCommand(args []string) (*commandSpec, []string) {
	cmds := commands()
	for _, n := range []int{2, 1} {
		if len(args) < n {
			continue
		}
		name := strings.Join(args[:n], " ")
		for i := range cmds {
			if cmds[i].name == name && cmds[i].run != nil {
				return &cmds[i], args[n:]
			}
		}
	}
	return nil, nil
}

// commandsIn returns the commands whose first word is group ("digest").
func commandsIn(group string) []commandSpec {
	var out []commandSpec
	for _, c := range commands() {
		if first, _, two := strings.Cut(c.name, " "); two && first == group {
			out = append(out, c)
		}
	}
	return out
}

// help is `caravan help [CMD...]`: the overview, or one command's help.
func help(ctx context.Context, env cmdEnv, args []string) error {
	if len(args) == 0 {
		return &helpShown{usage()}
	}
	if c, _ := findCommand(args); c != nil {
		return c.run(ctx, env, []string{"--help"})
	}
	if group := commandsIn(args[0]); len(group) > 0 {
		return &helpShown{groupHelp(args[0], group)}
	}
	return fmt.Errorf("no command %q (caravan --help lists them)", strings.Join(args, " "))
}

// usage is the overview: every command with what it does.
func usage() string {
	var b strings.Builder
	b.WriteString("caravan: newsletter subscriptions and digests\n\n")
	listCommands(&b, commands())
	b.WriteString("\n`caravan CMD --help` shows a command's own flags, then the configuration flags every\n" +
		"command takes; each of those defaults to its CARAVAN_* environment variable, and a flag wins.\n")
	return b.String()
}

func groupHelp(group string, cmds []commandSpec) string {
	var b strings.Builder
	fmt.Fprintf(&b, "caravan %s: one of\n\n", group)
	listCommands(&b, cmds)
	return b.String()
}

func listCommands(b *strings.Builder, cmds []commandSpec) {
	tw := tabwriter.NewWriter(b, 0, 0, 3, ' ', 0)
	for _, c := range cmds {
		fmt.Fprintf(tw, "  caravan %s\t%s\n", strings.TrimSpace(c.name+" "+c.args), c.about)
	}
	tw.Flush()
}

// commandHelp is the help of the command fs parses: what it does, its own
// flags with descriptions, then the configuration flags.
func commandHelp(fs *flag.FlagSet) string {
	var b strings.Builder
	synopsis, about := fs.Name(), ""
	for _, c := range commands() {
		if c.name == fs.Name() || (strings.HasPrefix(fs.Name(), c.name+" ") && c.name == "bench") {
			synopsis, about = strings.TrimSpace(c.name+" "+c.args), c.about
		}
	}
	if strings.HasPrefix(fs.Name(), "bench ") {
		synopsis = fs.Name()
	}
	fmt.Fprintf(&b, "Usage: caravan %s [flags]\n", synopsis)
	if about != "" {
		fmt.Fprintf(&b, "\n%s%s.\n", strings.ToUpper(about[:1]), about[1:])
	}
	config := map[string]bool{}
	for _, s := range settings {
		config[s.flag] = true
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	own := false
	fs.VisitAll(func(f *flag.Flag) {
		if config[f.Name] {
			return
		}
		if !own {
			fmt.Fprintf(tw, "\nFlags:\n")
			own = true
		}
		kind, text := flag.UnquoteUsage(f)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			text += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(tw, "  --%s %s\t%s\n", f.Name, kind, text)
	})
	if fs.Lookup(settings[0].flag) != nil {
		fmt.Fprintf(tw, "\nConfiguration flags (each defaults to its environment variable; a flag wins):\n")
		for _, s := range settings {
			text := s.help
			if s.def != "" {
				text += fmt.Sprintf(" (default %s)", s.def)
			}
			fmt.Fprintf(tw, "  --%s\t%s\t%s\n", s.flag, s.env, text)
		}
	}
	tw.Flush()
	return b.String()
}
