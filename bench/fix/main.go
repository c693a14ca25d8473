// Command fix measures pdffix against preflight on a generated 250-page
// A4 book (no trim box, every tenth page landscape, colour to the edge):
// fixing it with the boxes, orientation and bleed rules, bleed on every
// page preflight finds short of it, against preflighting the same book
// (the anchor), in the same run. It prints both times, their ratio and
// the fixed file's size against the original's, with the targets of
// issue #15: fix ≤ 1× preflight, size ≤ original + 1 % + 64 KB.
//
//	go run ./bench/fix [-pages 250] [-runs 3]
//
// Each is timed runs times, alternately; the best of each is reported.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/atomyx/submit/internal/pdffix"
	"github.com/atomyx/submit/internal/preflight"
)

// order is A4 with 3 mm bleed.
var order = pdffix.Order{TrimWidth: preflight.MM(210), TrimHeight: preflight.MM(297), Bleed: preflight.MM(3)}

func main() {
	pages := flag.Int("pages", 250, "pages of the generated book")
	runs := flag.Int("runs", 3, "times each is timed")
	flag.Parse()
	if err := run(*pages, max(*runs, 1)); err != nil {
		fmt.Fprintln(os.Stderr, "bench/fix:", err)
		os.Exit(1)
	}
}

func run(pages, runs int) error {
	tmp, err := os.MkdirTemp("", "bench-fix")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	book, fixed := filepath.Join(tmp, "book.pdf"), filepath.Join(tmp, "fixed.pdf")
	start := time.Now()
	if err := writeBook(book, pages); err != nil {
		return fmt.Errorf("generate book: %w", err)
	}
	orig, err := os.Stat(book)
	if err != nil {
		return err
	}
	fmt.Printf("book: %d pages, %.1f MB (generated in %v)\n", pages, mb(orig.Size()), time.Since(start).Round(time.Millisecond))

	engine, err := preflight.New(preflight.Options{})
	if err != nil {
		return err
	}
	defer engine.Close()
	profile, err := preflight.LoadProfile("default")
	if err != nil {
		return err
	}
	var bestPreflight, bestFix time.Duration
	var edge []int
	var res pdffix.Result
	for range runs {
		t, rep, err := timePreflight(engine, profile, book)
		if err != nil {
			return err
		}
		bestPreflight = best(bestPreflight, t)
		edge = bleedPages(rep)
		t, res, err = timeFix(book, fixed, edge)
		if err != nil {
			return err
		}
		bestFix = best(bestFix, t)
	}
	out, err := os.Stat(fixed)
	if err != nil {
		return err
	}
	for _, f := range res.Fixes {
		fmt.Printf("  fix %-14s on %d pages\n", f.Code, len(f.Pages))
	}
	for _, s := range res.Skipped {
		fmt.Printf("  skipped %s: %s\n", s.Code, s.Why)
	}
	fmt.Printf("preflight (anchor):  %8v\n", bestPreflight.Round(time.Millisecond))
	fmt.Printf("fix:                 %8v\n", bestFix.Round(time.Millisecond))
	fmt.Printf("ratio fix/preflight: %8.2f (target ≤ 1)\n", bestFix.Seconds()/bestPreflight.Seconds())
	limit := orig.Size() + orig.Size()/100 + 64<<10
	fmt.Printf("size: original %d B, fixed %d B, added %d B (%.2f %%); limit %d B: %s\n",
		orig.Size(), out.Size(), out.Size()-orig.Size(), 100*float64(out.Size()-orig.Size())/float64(orig.Size()), limit, verdict(out.Size() <= limit))
	if qpdf, err := exec.LookPath("qpdf"); err == nil {
		msg, err := exec.Command(qpdf, "--check", fixed).CombinedOutput()
		fmt.Printf("qpdf --check of the fixed file: %s\n", verdict(err == nil && !bytes.Contains(msg, []byte("WARNING"))))
	}
	_, rep, err := timePreflight(engine, profile, fixed)
	if err != nil {
		return err
	}
	var left []string
	for _, f := range rep.Errors {
		switch f.Code {
		case preflight.CodeTrimBoxMissing, preflight.CodeOrientation, preflight.CodeTrimSize, preflight.CodeBleed:
			left = append(left, f.Code)
		}
	}
	fmt.Printf("preflight of the fixed file, geometry findings left: %v\n", left)
	return nil
}

func timePreflight(e *preflight.Engine, p preflight.Profile, path string) (time.Duration, *preflight.Report, error) {
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, nil, err
	}
	rep, err := e.Check(context.Background(), f, st.Size(), p,
		preflight.Expectations{TrimWidthPt: order.TrimWidth, TrimHeightPt: order.TrimHeight, BleedPt: order.Bleed})
	return time.Since(start), rep, err
}

func timeFix(in, out string, edge []int) (time.Duration, pdffix.Result, error) {
	start := time.Now()
	f, err := os.Open(in)
	if err != nil {
		return 0, pdffix.Result{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, pdffix.Result{}, err
	}
	w, err := os.Create(out)
	if err != nil {
		return 0, pdffix.Result{}, err
	}
	opts := pdffix.Options{Rules: []string{pdffix.RuleBoxes, pdffix.RuleOrientation, pdffix.RuleBleed}, EdgePages: edge}
	res, err := pdffix.Apply(context.Background(), f, st.Size(), order, opts, w)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return time.Since(start), res, err
}

// bleedPages are the pages preflight finds short of bleed.
func bleedPages(rep *preflight.Report) []int {
	for _, f := range rep.Errors {
		if f.Code != preflight.CodeBleed {
			continue
		}
		if pages, ok := f.Details["pages"].([]int); ok {
			return slices.Clone(pages)
		}
		return []int{f.Page}
	}
	return nil
}

func best(a, b time.Duration) time.Duration {
	if a == 0 || b < a {
		return b
	}
	return a
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "NOT MET"
}
