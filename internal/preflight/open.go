package preflight

import (
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/atomyx/submit/internal/pdfobj"
)

// errUnusable carries the finding that makes a file uncheckable.
type errUnusable struct{ f Finding }

func (e *errUnusable) Error() string { return e.f.Code + ": " + e.f.Message }

func unusable(f Finding) error { return &errUnusable{f: f} }

// openDocument opens the PDF lazily (pdfobj reads objects as the checks
// ask for them) and walks its page tree. pdfobj rebuilds a damaged xref
// table itself; a page tree that is broken through an intact-looking
// table is retried once with a rebuilt one. Findings about the file
// itself (repaired, restricted) go to rep; a file that cannot be used at
// all returns an *errUnusable.
func (e *Engine) openDocument(ctx context.Context, r io.ReaderAt, size int64, rep *Report) (*pdfobj.Doc, []page, error) {
	if err := checkHeader(r, size); err != nil {
		return nil, nil, err
	}
	doc, pages, err := e.load(ctx, r, size, false)
	var tooMany *errTooManyPages
	if err != nil && doc != nil && doc.Repaired() == nil && ctx.Err() == nil && !errors.As(err, &tooMany) {
		if rdoc, rpages, rerr := e.load(ctx, r, size, true); rerr == nil {
			rep.add(fileRepaired(err))
			return e.opened(rdoc, rpages, rep)
		}
	}
	switch {
	case ctx.Err() != nil:
		return nil, nil, ctx.Err()
	case errors.Is(err, pdfobj.ErrNotPDF):
		return nil, nil, unusable(notPDF())
	case errors.Is(err, pdfobj.ErrWrongPassword):
		return nil, nil, unusable(passwordProtected())
	case errors.As(err, &tooMany):
		return nil, nil, unusable(tooManyPages(tooMany.claimed, e.opts.MaxPages))
	case err != nil:
		return nil, nil, unusable(fileDamaged(err))
	}
	if cause := doc.Repaired(); cause != nil {
		rep.add(fileRepaired(cause))
	}
	return e.opened(doc, pages, rep)
}

func (e *Engine) opened(doc *pdfobj.Doc, pages []page, rep *Report) (*pdfobj.Doc, []page, error) {
	checkPermissions(doc, rep)
	return doc, pages, nil
}

// load opens the document and reads its pages. The document is returned
// with an error from the page walk, so the caller knows the file opened.
func (e *Engine) load(ctx context.Context, r io.ReaderAt, size int64, rebuild bool) (*pdfobj.Doc, []page, error) {
	doc, err := pdfobj.Open(ctx, r, size, pdfobj.Options{Budget: e.budget, Rebuild: rebuild})
	if err != nil {
		return nil, nil, err
	}
	pages, err := readPages(doc, e.opts.MaxPages)
	if err != nil {
		return doc, nil, err
	}
	return doc, pages, nil
}

// checkHeader reads the first kilobyte, so that a file that cannot be
// read at all, or is not a PDF, gets its own finding rather than "damaged".
func checkHeader(r io.ReaderAt, size int64) error {
	head := make([]byte, min(size, 1024))
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return unusable(fileUnreadable(err))
	}
	if !bytes.Contains(head[:n], []byte("%PDF-")) {
		return unusable(notPDF())
	}
	return nil
}

// PDF permission bits (PDF 32000 table 22), counted from 1.
const (
	permPrint     = 1 << 2
	permHighPrint = 1 << 11
)

func checkPermissions(doc *pdfobj.Doc, rep *Report) {
	enc := doc.Encryption()
	if enc == nil {
		return
	}
	if enc.P&permPrint == 0 {
		rep.add(printingNotAllowed())
		return
	}
	if enc.R >= 3 && enc.P&permHighPrint == 0 {
		rep.add(lowPrintQuality())
	}
}
