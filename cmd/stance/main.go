// Command stance labels the sentences of news text about state-linked cyber
// operations as accusation, denial, sanction or background.
//
// Usage:
//
//	stance serve     [flags]            serve the gRPC API
//	stance classify  [flags] [FILE|-]   label the sentences of a text
//	stance tokenize  [flags] [FILE|-]   show the tokens the model reads
//	stance train     [flags]            train a model from the corpus
//	stance eval      [flags] [FILE...]  score a model on labeled sentences
//
// Every flag can also be set with an environment variable: STANCE_ and the
// flag's name in upper case with dashes as underscores (--max-text-bytes is
// STANCE_MAX_TEXT_BYTES). A flag given on the command line wins.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "serve the gRPC API", runServe},
		{"classify", "label the sentences of a text (FILE, or - or nothing for stdin)", runClassify},
		{"tokenize", "show the WordPiece tokens the model reads", runTokenize},
		{"train", "train a model from the corpus", runTrain},
		{"eval", "score a model on labeled JSON Lines files", runEval},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if errors.Is(err, errUsage) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "stance:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "stance: unknown command %q\n\n", args[0])
	usage(stderr)
	return errUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: stance <command> [flags] [args]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'stance <command> -h' for a command's flags. Every flag can also be set\nwith STANCE_<FLAG_NAME>, e.g. STANCE_ADDR for --addr.")
}

// parseFlags parses args into fs and then fills every flag not given on the
// command line from its STANCE_* environment variable, if set.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		env := envName(f.Name)
		if v, ok := os.LookupEnv(env); ok {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %v", env, v, e)
			}
		}
	})
	return err
}

// envName returns the environment variable for a flag: STANCE_MAX_TEXT_BYTES
// for max-text-bytes.
func envName(flagName string) string {
	return "STANCE_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// readInput reads the named file, or standard input for "" or "-".
func readInput(name string) ([]byte, error) {
	if name == "" || name == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(name)
}
