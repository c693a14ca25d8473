package preflight

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/atomyx/submit/internal/pdfobj"
	"github.com/atomyx/submit/internal/preflight/content"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Content streams are read as they are interpreted, never held: the
// decoded bytes pass from pdfobj's filters through the interpreter's
// window, and the limit (Options.MaxStreamBytes) is counted as they pass.
// A stream over the limit, a decompression bomb, ends the check as too
// complex; one that cannot be read ends where it fails, and the page says
// it is damaged.

// formContent opens a form's content stream (content.FormInfo.Content).
func (c *docCache) formContent(sd *types.StreamDict) (io.Reader, error) {
	r, err := c.x.StreamReader(sd, c.limit)
	if err != nil {
		return nil, overLimit(err)
	}
	return limitReader{r}, nil
}

// overLimit wraps an error that says a stream is larger than the limit
// in content.ErrLimit, which ends the interpretation.
func overLimit(err error) error {
	if errors.Is(err, pdfobj.ErrTooLarge) {
		return fmt.Errorf("%w: %v", content.ErrLimit, err)
	}
	return err
}

// limitReader passes a stream's reads on, with overLimit applied.
type limitReader struct{ r io.Reader }

func (l limitReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	return n, overLimit(err)
}

// pageReader reads a page's content streams one after the other, each
// followed by a newline, as one stream (PDF 32000 7.8.2). The limit is on
// the page, all of its streams together. A stream that cannot be read is
// left out from where it fails, and damage says why.
type pageReader struct {
	c      *docCache
	parts  []*types.StreamDict
	cur    io.Reader // the stream being read; nil between streams
	sep    bool      // the newline after the stream just read is due
	left   int64     // bytes the page may still read
	damage []string
}

// pageContent returns a reader of the page's content streams.
func (c *docCache) pageContent(d types.Dict) (*pageReader, error) {
	pr := &pageReader{c: c, left: c.limit}
	o, err := c.x.Dereference(d["Contents"])
	if err != nil || o == nil {
		return pr, err
	}
	parts, ok := o.(types.Array)
	if !ok {
		parts = types.Array{d["Contents"]}
	}
	for _, p := range parts {
		if sd, err := c.x.DereferenceStreamDict(p); err == nil && sd != nil {
			pr.parts = append(pr.parts, sd)
		}
	}
	return pr, nil
}

func (p *pageReader) Read(b []byte) (int, error) {
	for len(b) > 0 {
		if p.cur == nil {
			if p.sep {
				p.sep = false
				b[0] = '\n'
				return 1, nil
			}
			if len(p.parts) == 0 {
				return 0, io.EOF
			}
			if err := p.open(); err != nil {
				return 0, err
			}
			continue
		}
		n, err := p.cur.Read(b)
		if p.left -= int64(n); p.left < 0 {
			return 0, fmt.Errorf("%w: the page's content streams decode to more than %d bytes", content.ErrLimit, p.c.limit)
		}
		switch {
		case err == nil:
		case errors.Is(err, pdfobj.ErrTooLarge) || p.c.ctx.Err() != nil:
			return n, overLimit(err)
		default:
			if err != io.EOF {
				p.damage = append(p.damage, err.Error())
			}
			p.cur, p.sep = nil, true
		}
		if n > 0 {
			return n, nil
		}
	}
	return 0, nil
}

// open starts the next stream. Only a stream larger than the limit is an
// error; one that cannot be opened is damage, and left out.
func (p *pageReader) open() error {
	sd := p.parts[0]
	p.parts = p.parts[1:]
	r, err := p.c.x.StreamReader(sd, p.c.limit)
	switch {
	case errors.Is(err, pdfobj.ErrTooLarge):
		return overLimit(err)
	case err != nil:
		p.damage = append(p.damage, err.Error())
	default:
		p.cur = r
	}
	return nil
}

// damaged says why part of the content could not be read, or "".
func (p *pageReader) damaged() string { return strings.Join(p.damage, "; ") }
