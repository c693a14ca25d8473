package preflight

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
)

// headerWindow is how far into the file the %PDF- header may start; Acrobat
// accepts junk before it within the first kilobyte.
const headerWindow = 1024

// errUnusable carries the finding that makes a file uncheckable.
type errUnusable struct{ f Finding }

func (e *errUnusable) Error() string { return e.f.Code + ": " + e.f.Message }

func unusable(f Finding) error { return &errUnusable{f: f} }

// openDocument reads the PDF structure with pdfcpu and its page tree.
// A file pdfcpu cannot read, or whose page tree is broken, is retried once
// with a rebuilt xref table. Findings about the file itself (repaired,
// restricted) go to rep; a file that cannot be used at all returns an
// *errUnusable.
func (e *Engine) openDocument(ctx context.Context, r io.ReaderAt, size int64, rep *Report) (*model.Context, []page, error) {
	start, err := findHeader(r, size)
	if err != nil {
		return nil, nil, err
	}
	doc, pages, err := e.load(ctx, io.NewSectionReader(r, start, size-start))
	var tooMany *errTooManyPages
	if err != nil && ctx.Err() == nil && !errors.Is(err, pdfcpu.ErrWrongPassword) && !errors.As(err, &tooMany) {
		if rs, rerr := repairedReader(r, start, size); rerr == nil {
			if rdoc, rpages, rerr := e.load(ctx, rs); rerr == nil {
				rep.add(fileRepaired(err))
				doc, pages, err = rdoc, rpages, nil
			}
		}
	}
	switch {
	case ctx.Err() != nil:
		return nil, nil, ctx.Err()
	case errors.Is(err, pdfcpu.ErrWrongPassword):
		return nil, nil, unusable(passwordProtected())
	case errors.As(err, &tooMany):
		return nil, nil, unusable(tooManyPages(tooMany.claimed, e.opts.MaxPages))
	case err != nil:
		return nil, nil, unusable(fileDamaged(err))
	}
	checkPermissions(doc, rep)
	return doc, pages, nil
}

func (e *Engine) load(ctx context.Context, rs io.ReadSeeker) (*model.Context, []page, error) {
	doc, err := e.readPDF(ctx, rs)
	if err != nil {
		return nil, nil, err
	}
	pages, err := readPages(doc, e.opts.MaxPages)
	if err != nil {
		return nil, nil, err
	}
	return doc, pages, nil
}

func findHeader(r io.ReaderAt, size int64) (int64, error) {
	head := make([]byte, min(size, headerWindow))
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return 0, unusable(fileUnreadable(err))
	}
	i := bytes.Index(head[:n], []byte("%PDF-"))
	if i < 0 {
		return 0, unusable(notPDF())
	}
	return int64(i), nil
}

// readPDF runs pdfcpu's reader, turning its panics on hostile input into
// errors: a crash must never take the service down with it.
func (e *Engine) readPDF(ctx context.Context, rs io.ReadSeeker) (doc *model.Context, err error) {
	defer func() {
		if p := recover(); p != nil {
			doc, err = nil, fmt.Errorf("pdf reader failed: %v", p)
		}
	}()
	conf := e.conf
	doc, err = pdfcpu.ReadWithContext(ctx, rs, &conf)
	if err != nil {
		return nil, err
	}
	if _, err := doc.Catalog(); err != nil {
		return nil, fmt.Errorf("document catalog: %w", err)
	}
	return doc, nil
}

// PDF permission bits (PDF 32000 table 22), counted from 1.
const (
	permPrint     = 1 << 2
	permHighPrint = 1 << 11
)

func checkPermissions(doc *model.Context, rep *Report) {
	if doc.Encrypt == nil || doc.E == nil {
		return
	}
	p := doc.E.P
	if p&permPrint == 0 {
		rep.add(printingNotAllowed())
		return
	}
	if doc.E.R >= 3 && p&permHighPrint == 0 {
		rep.add(lowPrintQuality())
	}
}
