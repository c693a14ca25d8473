// Package cli holds Submit's commands. Main dispatches on the first word;
// each command parses its own flags and returns its exit code.
package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Env is what a command gets from the process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

const usage = `Submit: artwork submission between a print business's ERP and its customers.

Usage: submit <command> [flags]

Commands:
  serve       run the API, the upload pages, Manage and the workers
  migrate     apply database migrations and exit
  key         create, list or revoke API keys (key create --tenant NAME)
  secret      show or rotate a tenant's callback signing secret
  user        create or list the operators who sign in to Manage
  preflight   check PDF files without a server
  verify      check a received callback's signature
  listen      run a local callback receiver that verifies and prints each callback
  sample      write a sample print PDF (sample pdf > sample.pdf)
  version     print the version

Every flag of serve, migrate, key, secret and user can also be set by an
environment variable: --data-dir by SUBMIT_DATA_DIR, and so on (listen takes
only its secret from one, SUBMIT_SIGNING_SECRET). Run 'submit <command> -h'
for a command's flags.
`

// Main runs one command and returns the process's exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, env)
	case "migrate":
		return runMigrate(ctx, rest, env)
	case "key":
		return runKey(ctx, rest, env)
	case "secret":
		return runSecret(ctx, rest, env)
	case "user":
		return runUser(ctx, rest, env)
	case "preflight":
		return runPreflight(ctx, rest, env.Stdout, env.Stderr)
	case "verify":
		return runVerify(ctx, rest, env.Stdin, env.Stdout, env.Stderr)
	case "listen":
		return runListen(ctx, rest, env)
	case "sample":
		return runSample(ctx, rest, env)
	case "version", "--version", "-version":
		fmt.Fprintln(env.Stdout, "submit", version())
		return 0
	case "help", "-h", "--help", "-help":
		fmt.Fprint(env.Stdout, usage)
		return 0
	}
	fmt.Fprintf(env.Stderr, "submit: unknown command %q\n\n%s", cmd, usage)
	return 2
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet("submit "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}

// fail prints an error the way every command does and returns exit code 1.
func fail(env Env, format string, args ...any) int {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(env.Stderr, "submit: "+strings.TrimSuffix(msg, "\n"))
	return 1
}
