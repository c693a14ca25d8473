// Package pdffix makes the fixes a print shop's prepress would make
// without asking, and writes them as an incremental update: the original
// file's bytes come first, unchanged, and only the objects a fix changes
// are added after them, with a cross-reference section that points to the
// new versions. Every font, image and content stream stays byte for byte
// what the customer sent, and the original can be cut back out of the
// fixed file at its old length.
//
// Four fixes are built (issue #15, item 2), each a rule the caller names:
// page boxes, orientation, scale to size and add bleed. They apply in that
// order, each to the pages as the earlier ones left them. A fix that
// cannot be made safely on a page is skipped with a note (Result.Skipped);
// only a file that nothing may touch at all is an error (ErrNotFixable).
// docs/fixes.md says when each fix applies and what it never does.
package pdffix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/atomyx/submit/internal/i18n"
	"github.com/atomyx/submit/internal/job"
	"github.com/atomyx/submit/internal/pdfobj"
)

// Rule names, as a profile's fix rules name them.
const (
	RuleBoxes       = "boxes"
	RuleOrientation = "orientation"
	RuleScale       = "scale"
	RuleBleed       = "bleed"
)

// Options say which fixes to make.
type Options struct {
	// Rules are the rules to apply; the others are not applied. A name
	// that is not a rule is an error: a misspelt rule must not pass for
	// one switched off.
	Rules []string
	// EdgePages are the 1-based pages whose design runs to the trim edge
	// (preflight's INSUFFICIENT_BLEED findings): bleed is added only on
	// those.
	EdgePages []int
}

// Order is what the job ordered, in points.
type Order struct {
	TrimWidth, TrimHeight float64
	// Bleed is the bleed on every side; 0 when the order asks for none.
	Bleed float64
}

// Fix is one change made, as artwork versions record it (code, message
// in English, pages from 1, and the details the message is written from:
// messages.go), with the rule that made it.
type Fix struct {
	job.Fix
	// Rule is the rule that made the fix, for the caller to tell fixes
	// made automatically from those offered.
	Rule string `json:"-"`
}

// Skip is a fix that would have applied but could not be made safely.
type Skip struct {
	Code string `json:"code"`
	Why  string `json:"why"`
	// Rule is the rule whose fix was skipped.
	Rule string `json:"-"`
}

// Result is what Apply did.
type Result struct {
	Fixes   []Fix
	Skipped []Skip
	// Written is false when nothing was fixed: nothing was written, and
	// the original is the file to print.
	Written bool
}

// Fix codes.
const (
	CodeBoxesSet     = "BOXES_SET"
	CodeBoxesClipped = "BOXES_CLIPPED"
	CodePagesRotated = "PAGES_ROTATED"
	CodePagesScaled  = "PAGES_SCALED"
	CodeBleedAdded   = "BLEED_ADDED"
)

// tolerance is how far, in points, a page may be from the ordered size
// and still be that size: a tenth of a millimetre, less than any printer's
// registration, more than the rounding of millimetres to points.
const tolerance = 0.3

// ErrNotFixable is returned for a file no fix may touch (encrypted, or
// repaired on opening): Apply writes nothing and the original is used.
// Other errors are the caller's (a rule that does not exist, a cancelled
// ctx) or the writer's.
var ErrNotFixable = errors.New("the file cannot be fixed safely")

// Apply reads the PDF of the given size through r, makes the fixes that
// opts names and the order calls for, and when there are any writes the
// fixed file to w: the original bytes, then the update. It never changes
// a file it cannot read cleanly: an encrypted or damaged file is
// ErrNotFixable, and nothing is written.
func Apply(ctx context.Context, r io.ReaderAt, size int64, o Order, opts Options, w io.Writer) (Result, error) {
	for _, name := range opts.Rules {
		if !slices.Contains([]string{RuleBoxes, RuleOrientation, RuleScale, RuleBleed}, name) {
			return Result{}, fmt.Errorf("pdffix: no rule %q", name)
		}
	}
	doc, err := pdfobj.Open(ctx, r, size, pdfobj.Options{})
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrNotFixable, err)
	}
	if doc.Repaired() != nil {
		return Result{}, fmt.Errorf("%w: its structure had to be repaired to be read (%v)", ErrNotFixable, doc.Repaired())
	}
	if doc.Encryption() != nil {
		return Result{}, fmt.Errorf("%w: it is encrypted", ErrNotFixable)
	}
	pages, err := readPages(doc)
	if err != nil {
		return Result{}, fmt.Errorf("%w: %v", ErrNotFixable, err)
	}
	f := &fixer{ctx: ctx, doc: doc, pages: pages, o: o, opts: opts,
		u: newUpdate(doc, r, size), changed: map[int]bool{},
		snippets: map[string]int{}, wraps: map[wrapKey][]types.IndirectRef{}}
	rules := []struct {
		name string
		fix  func() error
	}{
		{RuleBoxes, f.boxes},
		{RuleOrientation, f.orientation},
		{RuleScale, f.scale},
		{RuleBleed, f.bleed},
	}
	for _, rule := range rules {
		if !slices.Contains(opts.Rules, rule.name) {
			continue
		}
		if err := rule.fix(); err != nil {
			return Result{}, err
		}
	}
	if len(f.changed) == 0 {
		return Result{Skipped: f.res.Skipped}, nil
	}
	for _, p := range pages {
		if f.changed[p.num] {
			f.u.set(p.num, p.gen, p.dict)
		}
	}
	if err := f.u.write(w); err != nil {
		return Result{}, err
	}
	f.res.Written = true
	return f.res, nil
}

// fixer is one Apply: the document, its pages as the fixes so far have
// left them, and what has been done.
type fixer struct {
	ctx     context.Context
	doc     *pdfobj.Doc
	pages   []*page
	o       Order
	opts    Options
	u       *update
	res     Result
	changed map[int]bool // page object numbers whose dictionary changed
	// snippets are the small content streams the fixes add, by their
	// text, and wraps the snippets of each wrapping: pages of one size
	// share them.
	snippets map[string]int
	wraps    map[wrapKey][]types.IndirectRef
}

// fixed records a fix made on some pages, with its message in English;
// none is recorded for no pages.
func (f *fixer) fixed(rule, code string, pages []int, details map[string]any) {
	if len(pages) > 0 {
		f.res.Fixes = append(f.res.Fixes, Fix{Rule: rule, Fix: job.Fix{Code: code, Pages: pages, Details: details,
			Message: message(i18n.NewPrinter(i18n.English), code, len(pages), details)}})
	}
}

// skipped records a fix not made on some pages, and why.
func (f *fixer) skipped(rule, code string, pages []int, why string) {
	if len(pages) > 0 {
		f.res.Skipped = append(f.res.Skipped, Skip{Code: code, Rule: rule,
			Why: fmt.Sprintf("%s: %s", upperFirst(pageList(pages, len(f.pages))), why)})
	}
}

// near reports whether a and b are the same length within tolerance.
func near(a, b float64) bool { return math.Abs(a-b) <= tolerance }
