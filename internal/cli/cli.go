// Package cli holds ruledex's subcommands. Each command lives in a file of
// its own and registers itself, so that commands are added without touching
// the others.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

// Env is what a command runs with.
type Env struct {
	Ctx    context.Context
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Command is one subcommand.
type Command struct {
	Name    string
	Usage   string // one line: arguments
	Summary string // one line: what it does
	// Run defines the command's flags on fs, parses args with parseFlags
	// (flags before or after the arguments) and does the work. It must do
	// nothing before parseFlags: `ruledex help NAME` runs it with --help to
	// learn its flags.
	Run func(env *Env, fs *flag.FlagSet, args []string) error
}

var commands = map[string]*Command{}

func register(c *Command) { commands[c.Name] = c }

// UsageError is an error in the command line; Run prints the command's usage with it.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Run runs the command named by args[0] with standard input os.Stdin and
// returns the process exit code: 0 on success, 1 when the command failed, 2
// for a bad command line.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return RunIO(ctx, args, os.Stdin, stdout, stderr)
}

// RunIO is Run with the standard input given.
func RunIO(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	env := &Env{Ctx: ctx, Stdin: stdin, Stdout: stdout, Stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) == 1 {
			usage(stdout)
			return 0
		}
		c, ok := commands[args[1]]
		if !ok {
			fmt.Fprintf(stderr, "ruledex help: unknown command %q\n\n", termLine(args[1]))
			usage(stderr)
			return 2
		}
		if err := printHelp(env, c, stdout); err != nil {
			fmt.Fprintf(stderr, "ruledex help %s: %v\n", c.Name, err)
			return 1
		}
		return 0
	case "-version", "--version":
		args = []string{"version"}
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ruledex: unknown command %q\n\n", termLine(args[0]))
		usage(stderr)
		return 2
	}
	useImportedAttack(env)
	fs := newFlagSet(c)
	err := c.Run(env, fs, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		// ruledex COMMAND --help: the help asked for, on standard output.
		writeHelp(stdout, c, fs)
		return 0
	}
	fmt.Fprintf(stderr, "ruledex %s: %v\n", c.Name, err)
	var ue *UsageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "usage: ruledex %s %s\nRun 'ruledex help %s' for its flags.\n", c.Name, c.Usage, c.Name)
		return 2
	}
	return 1
}

// newFlagSet is the flag set a command defines its flags on. It prints
// nothing itself: Run says what went wrong, once, and help is written by
// writeHelp.
func newFlagSet(c *Command) *flag.FlagSet {
	fs := flag.NewFlagSet("ruledex "+c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// printHelp writes the help of c to w: its usage, summary and flags. The
// flags are learnt by running c with --help, which stops at parseFlags.
func printHelp(env *Env, c *Command, w io.Writer) error {
	fs := newFlagSet(c)
	quiet := &Env{Ctx: env.Ctx, Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}
	if err := c.Run(quiet, fs, []string{"--help"}); !errors.Is(err, flag.ErrHelp) {
		return fmt.Errorf("the command did not stop at --help (%v)", err)
	}
	writeHelp(w, c, fs)
	return nil
}

// writeHelp writes the usage, summary and flags of c, flags written as
// they are typed: --name VALUE.
func writeHelp(w io.Writer, c *Command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: ruledex %s %s\n\n%s\n", c.Name, c.Usage, c.Summary)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprintln(w, "\nflags:")
	fs.VisitAll(func(f *flag.Flag) {
		fmt.Fprintf(w, "  %s\n", flagSyntax(f))
		_, text := flag.UnquoteUsage(f)
		if def := flagDefault(f); def != "" {
			text += " (default " + def + ")"
		}
		fmt.Fprintf(w, "        %s\n", text)
	})
	fmt.Fprintln(w, "\nFlags may come before or after the arguments; '--' ends the flags.")
}

// flagSyntax is how f is typed: --name, or --name VALUE where VALUE is the
// word in `backquotes` in its usage, else one said by its type.
func flagSyntax(f *flag.Flag) string {
	if isBoolFlag(f) {
		return "--" + f.Name
	}
	name, _ := flag.UnquoteUsage(f)
	if strings.Contains(f.Usage, "`") {
		return "--" + f.Name + " " + name
	}
	switch name {
	case "int", "uint", "int64", "uint64":
		name = "N"
	case "float":
		name = "NUMBER"
	case "duration":
		name = "DURATION"
	default:
		name = "VALUE"
	}
	return "--" + f.Name + " " + name
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// flagDefault is f's default as worth saying: "" for false, 0 and nothing.
func flagDefault(f *flag.Flag) string {
	switch f.DefValue {
	case "", "false", "0", "[]":
		return ""
	}
	if _, ok := f.Value.(interface{ Get() any }); ok {
		if _, isString := f.Value.(interface{ Get() any }).Get().(string); isString {
			return strconv.Quote(f.DefValue)
		}
	}
	return f.DefValue
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "ruledex reads detection rules (KQL, Sigma, ...) into one model, cross-references them and publishes them.")
	fmt.Fprintln(w, "\nusage: ruledex COMMAND [flags] [args]\n\ncommands:")
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].Summary)
	}
	fmt.Fprintln(w, "\nRun 'ruledex help COMMAND' for a command's flags. Flags may come before or after arguments;\n"+
		"'-' names standard input or output wherever a file is named.")
}

// commandNames returns the names of the commands, sorted.
func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// parseFlags parses args with fs, flags before, between or after the
// positional arguments (the flag package alone stops at the first
// argument), and returns the positional arguments in order. '--' ends the
// flags; '-' is an argument (standard input or output). Flag errors become
// a *UsageError; --help gives flag.ErrHelp.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &UsageError{Msg: strings.Replace(err.Error(), ": -", ": --", 1)}
		}
		rest := fs.Args()
		if used := args[:len(args)-len(rest)]; len(used) > 0 && used[len(used)-1] == "--" {
			// The flag package ended at '--': the rest are arguments.
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
