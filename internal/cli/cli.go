// Package cli holds ruledex's subcommands. Each command lives in a file of
// its own and registers itself, so that commands are added without touching
// the others.
package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Env is what a command runs with.
type Env struct {
	Ctx    context.Context
	Stdout io.Writer
	Stderr io.Writer
}

// Command is one subcommand.
type Command struct {
	Name    string
	Usage   string // one line: arguments
	Summary string // one line: what it does
	// Run parses args with fs (already holding the command's name) and does the work.
	Run func(env *Env, fs *flag.FlagSet, args []string) error
}

var commands = map[string]*Command{}

func register(c *Command) { commands[c.Name] = c }

// UsageError is an error in the command line; Run prints the command's usage with it.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Run runs the command named by args[0] and returns the process exit code:
// 0 on success, 1 when the command failed, 2 for a bad command line.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				fmt.Fprintf(stdout, "usage: ruledex %s %s\n\n%s\n", c.Name, c.Usage, c.Summary)
				return 0
			}
		}
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ruledex: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	fs := flag.NewFlagSet("ruledex "+c.Name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: ruledex %s %s\n\n%s\n\nflags:\n", c.Name, c.Usage, c.Summary)
		fs.PrintDefaults()
	}
	env := &Env{Ctx: ctx, Stdout: stdout, Stderr: stderr}
	err := c.Run(env, fs, args[1:])
	if err == nil {
		return 0
	}
	if err == flag.ErrHelp {
		return 0
	}
	fmt.Fprintf(stderr, "ruledex %s: %v\n", c.Name, err)
	if _, bad := err.(*UsageError); bad {
		fs.Usage()
		return 2
	}
	if strings.Contains(err.Error(), "flag provided but not defined") {
		return 2
	}
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "ruledex reads detection rules (KQL, Sigma, ...) into one model, cross-references them and publishes them.")
	fmt.Fprintln(w, "\nusage: ruledex COMMAND [flags] [args]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].Summary)
	}
	fmt.Fprintln(w, "\nRun 'ruledex help COMMAND' for a command's flags.")
}

// parseFlags parses args with fs, allowing flags after positional arguments,
// and returns the positional arguments. Flag errors become a *UsageError.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			return nil, &UsageError{Msg: err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" && len(args) > 0 {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
