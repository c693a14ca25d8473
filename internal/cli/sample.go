package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

const sampleUsage = `Usage: submit sample pdf [--size a4|letter] [--pages N] > sample.pdf

Writes a print-ready PDF to standard output, for trying Submit out: pages
with a trim box, 3 mm of bleed, colour running into the bleed, a title and
lines of "greeked" text drawn as shapes, so there are no fonts to embed. It passes
the default preflight profile, so an upload of it reaches the proof
(cmyk-strict also asks for a PDF/X output intent, which it has not).

  --size   a4 (210 × 297 mm, the default) or letter (8.5 × 11 in)
  --pages  how many pages (default 1, at most 100)
`

// sampleSizes are the trim sizes --size knows, in millimetres.
var sampleSizes = map[string][2]float64{"a4": {210, 297}, "letter": {215.9, 279.4}}

// runSample implements `submit sample pdf`. args excludes the word
// "sample".
func runSample(_ context.Context, args []string, env Env) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprint(env.Stdout, sampleUsage)
		return 0
	}
	if len(args) == 0 || args[0] != "pdf" {
		fmt.Fprintf(env.Stderr, "submit sample: say what to write: pdf\n\n%s", sampleUsage)
		return 2
	}
	fs := newFlagSet("sample pdf", env)
	fs.Usage = func() { fmt.Fprint(env.Stderr, sampleUsage) }
	size := fs.String("size", "a4", "")
	pages := fs.Int("pages", 1, "")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	trim, ok := sampleSizes[strings.ToLower(*size)]
	var problem string
	switch {
	case !ok:
		problem = fmt.Sprintf("--size %q: give a4 or letter", *size)
	case *pages < 1 || *pages > 100:
		problem = fmt.Sprintf("--pages %d: give 1 to 100", *pages)
	case fs.NArg() > 0:
		problem = fmt.Sprintf("unexpected argument %q: the PDF goes to standard output, as in submit sample pdf > sample.pdf", fs.Arg(0))
	case isTerminal(env.Stdout):
		problem = "standard output is a terminal: redirect it to a file, as in submit sample pdf > sample.pdf"
	}
	if problem != "" {
		fmt.Fprintf(env.Stderr, "submit sample: %s\n\n%s", problem, sampleUsage)
		return 2
	}
	// Written whole first, so that a failure leaves no half file behind a
	// pipe that reads on.
	var pdf bytes.Buffer
	if err := writeSamplePDF(&pdf, trim[0], trim[1], *pages); err != nil {
		return fail(env, "write the sample: %v", err)
	}
	if _, err := env.Stdout.Write(pdf.Bytes()); err != nil {
		return fail(env, "write the sample: %v", err)
	}
	return 0
}

// isTerminal reports whether w is a terminal, where a PDF's bytes would
// only garble the screen.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
