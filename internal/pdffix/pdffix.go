// Package pdffix makes the fixes a print shop's prepress would make
// without asking, and writes them as an incremental update: the original
// file's bytes come first, unchanged, and only the objects a fix changes
// are added after them, with a cross-reference section that points to the
// new versions. Every font, image and content stream stays byte for byte
// what the customer sent, and the original can be cut back out of the
// fixed file at its old length.
//
// What is built (issue #15, in part): the page boxes fix. The other fixes
// the issue lists (orientation, scale to size, add bleed) and the
// pipeline's use of this package are not built yet; docs/status.md says
// so.
package pdffix

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/atomyx/submit/internal/pdfobj"
)

// Order is what the job ordered, in points.
type Order struct {
	TrimWidth, TrimHeight float64
	// Bleed is the bleed on every side; 0 when the order asks for none.
	Bleed float64
}

// Fix is one change made, in the customer's words, with the pages it was
// made on (1-based).
type Fix struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Pages   []int  `json:"pages"`
	// Rule is the rule that made the fix (RuleBoxes…).
	Rule string `json:"-"`
}

// Skip is a fix that would have applied but could not be made safely.
type Skip struct {
	Code string `json:"code"`
	Why  string `json:"why"`
}

// Result is what Apply did.
type Result struct {
	Fixes   []Fix
	Skipped []Skip
	// Written is false when nothing was fixed: nothing was written, and
	// the original is the file to print.
	Written bool
}

// Rule names, as a profile's fix rules name them.
const (
	RuleBoxes       = "boxes"
	RuleOrientation = "orientation"
	RuleScale       = "scale"
	RuleBleed       = "bleed"
)

// Options say which fixes Apply may make.
type Options struct {
	// Rules are the rules to apply; the others are not applied.
	Rules []string
	// EdgePages are the 1-based pages whose design runs to the trim edge
	// (preflight's INSUFFICIENT_BLEED findings): bleed is added only on
	// those.
	EdgePages []int
}

// Fix codes.
const (
	CodeBoxesSet     = "BOXES_SET"
	CodeBoxesClipped = "BOXES_CLIPPED"
)

// tolerance is how far, in points, a page may be from the ordered size
// and still be that size: a tenth of a millimetre, less than any printer's
// registration, more than the rounding of millimetres to points.
const tolerance = 0.3

// ErrNotFixable is returned for a file no fix may touch (encrypted, or
// repaired on opening): Apply writes nothing and the original is used.
var ErrNotFixable = errors.New("the file cannot be fixed safely")

// Apply reads the PDF of the given size through r, works out the fixes
// the order calls for, and when there are any writes the fixed file to w:
// the original bytes, then the update. It never changes a file it cannot
// read cleanly: an encrypted or damaged file is ErrNotFixable.
func Apply(ctx context.Context, r io.ReaderAt, size int64, o Order, opts Options, w io.Writer) (Result, error) {
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
	var res Result
	changed := map[int]bool{}
	if slices.Contains(opts.Rules, RuleBoxes) {
		res.Fixes = append(res.Fixes, fixBoxes(pages, o, changed)...)
	}
	if len(changed) == 0 {
		return res, nil
	}
	u := update{doc: doc, r: r, size: size}
	for _, p := range pages {
		if changed[p.num] {
			u.set(p.num, p.gen, p.dict)
		}
	}
	if err := u.write(w); err != nil {
		return Result{}, err
	}
	res.Written = true
	return res, nil
}

// near reports whether a and b are the same length within tolerance.
func near(a, b float64) bool { return math.Abs(a-b) <= tolerance }
