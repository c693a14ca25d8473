package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/pdfium"
	"github.com/atomyx/submit/internal/preflight"
	"golang.org/x/text/language"
)

const preflightUsage = `Usage: submit preflight [--profile NAME] [--json] [--html DIR] FILE.pdf…

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
	htmlDir := fs.String("html", "", "also write a report for customers, FILE.html with page thumbnails, into this folder")
	lang := fs.String("lang", "en", "language of the --html report, a BCP 47 tag: "+i18n.SupportedList())
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
	tag, err := i18n.Parse(*lang)
	if err != nil {
		fmt.Fprintf(stderr, "submit preflight: --lang: %v\n", err)
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
	var html *htmlWriter
	if *htmlDir != "" {
		if html, err = newHTMLWriter(*htmlDir, tag); err != nil {
			fmt.Fprintf(stderr, "submit preflight: %v\n", err)
			return 2
		}
		defer html.Close()
	}

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
		if html != nil {
			if err := html.write(ctx, file, rep); err != nil {
				fmt.Fprintf(stderr, "submit preflight: %v\n", err)
			}
		}
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

// htmlWriter writes customer reports with page thumbnails rendered by
// PDFium; the pool starts once for all files.
type htmlWriter struct {
	dir  string
	lang language.Tag
	pool *pdfium.Pool
}

func newHTMLWriter(dir string, lang language.Tag) (*htmlWriter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create report folder: %w", err)
	}
	pool, err := pdfium.New(pdfium.Options{CacheDir: pdfium.DefaultCacheDir()})
	if err != nil {
		return nil, err
	}
	return &htmlWriter{dir: dir, lang: lang, pool: pool}, nil
}

func (h *htmlWriter) Close() error { return h.pool.Close() }

// write renders the pages that have findings and writes DIR/NAME.html.
func (h *htmlWriter) write(ctx context.Context, file string, rep *preflight.Report) error {
	thumbs := map[int]image.Image{}
	var pages []int
	for _, f := range rep.Errors {
		if f.Page > 0 && thumbs[f.Page] == nil && !slices.Contains(pages, f.Page) {
			pages = append(pages, f.Page)
		}
	}
	if len(pages) > 0 && !rep.Unusable() {
		if f, err := os.Open(file); err == nil {
			if st, err := f.Stat(); err == nil {
				rendered, _ := h.pool.Render(ctx, f, st.Size(), pages, 560)
				for _, p := range rendered {
					thumbs[p.Number] = p.Image
				}
			}
			f.Close()
		}
	}
	name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file)) + ".html"
	out, err := os.Create(filepath.Join(h.dir, name))
	if err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	if err := rep.WriteHTML(out, thumbs, h.lang); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
