package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/atomyx/submit/internal/preflight"
)

const preflightUsage = `Usage: submit preflight [--profile NAME] [--json] FILE.pdf…

Checks PDF files for print without a server. Exit status 0 when every file
passed, 1 when some failed, 2 when some could not be used (damaged, locked,
missing) or the command line is wrong.

Flags:
`

// runPreflight is "submit preflight". All files share one engine.
func runPreflight(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("submit preflight", flag.ContinueOnError)
	fs.SetOutput(stderr)
	profileName := fs.String("profile", "default", "preflight profile: "+strings.Join(preflight.ProfileNames(), ", "))
	asJSON := fs.Bool("json", false, "print one JSON report per file, one per line (JSON Lines)")
	fs.Usage = func() {
		fmt.Fprint(stderr, preflightUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "submit preflight: no files given")
		fs.Usage()
		return 2
	}
	profile, err := preflight.LoadProfile(*profileName)
	if err != nil {
		fmt.Fprintf(stderr, "submit preflight: %v\n", err)
		return 2
	}
	engine, err := preflight.New(preflight.Options{})
	if err != nil {
		fmt.Fprintf(stderr, "submit preflight: %v\n", err)
		return 2
	}
	defer engine.Close()

	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	code := 0
	for _, file := range fs.Args() {
		rep, err := checkFile(ctx, engine, file, profile)
		if err != nil {
			if ctx.Err() != nil {
				fmt.Fprintf(stderr, "submit preflight: %v\n", err)
				return 2
			}
			rep = preflight.UnreadableReport(file, profile.Name, err)
		}
		code = max(code, exitCode(rep))
		if *asJSON {
			if err := enc.Encode(rep); err != nil {
				fmt.Fprintf(stderr, "submit preflight: write report: %v\n", err)
				return 2
			}
			continue
		}
		writeSummary(stdout, rep)
	}
	return code
}

func checkFile(ctx context.Context, engine *preflight.Engine, file string, p preflight.Profile) (*preflight.Report, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a folder, not a file", file)
	}
	rep, err := engine.Check(ctx, f, st.Size(), p, preflight.Expectations{})
	if err != nil {
		return nil, err
	}
	rep.File = file
	return rep, nil
}

func exitCode(rep *preflight.Report) int {
	switch {
	case rep.Unusable():
		return 2
	case rep.Status == preflight.StatusFailed:
		return 1
	}
	return 0
}

// writeSummary prints a report for people: the verdict, then each finding
// with its page.
func writeSummary(w io.Writer, rep *preflight.Report) {
	verdict := "passed"
	if rep.Status == preflight.StatusFailed {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "%s: %s (%d pages, %d images, %d fonts; profile %s)\n", rep.File, verdict,
		rep.Pages, len(rep.Inventory.Images), len(rep.Inventory.Fonts), rep.Profile)
	for _, f := range rep.Errors {
		where := "      "
		if f.Page > 0 {
			where = fmt.Sprintf("p.%-4d", f.Page)
		}
		fmt.Fprintf(w, "  %-7s %s %s: %s\n", f.Severity, where, f.Code, f.Message)
	}
}
