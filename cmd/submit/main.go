// Command submit runs Submit: `submit serve` starts everything; the other
// commands manage keys and secrets, run preflight and verify callbacks.
package main

import (
	"context"
	"os"

	"github.com/atomyx/submit/internal/cli"
)

func main() {
	env := cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	os.Exit(cli.Main(context.Background(), os.Args[1:], env))
}
