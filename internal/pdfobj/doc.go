// Package pdfobj reads the objects of a PDF lazily, through an io.ReaderAt.
//
// Open reads the header, the cross-reference data and the trailer, and
// nothing else. An object is read and parsed when it is dereferenced; a
// stream's dictionary is parsed then too, but its bytes are read only when
// it is decoded. pdfcpu's reader, which this replaces for preflight, loads
// every object and the encoded bytes of every stream at once, so a 500 MB
// file of images cost 500 MB of memory; this reader costs what its caller
// touches, and preflight never touches image data.
//
// Objects are pdfcpu's object model (pkg/pdfcpu/types), parsed by pdfcpu's
// exported parser, and streams are decoded by pdfcpu's filters; what this
// package adds is the lazy reading, the repair of a damaged xref table, and
// the standard security handler (pdfcpu's is unexported).
package pdfobj

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Errors callers tell apart with errors.Is.
var (
	// ErrNotPDF: no %PDF- header in the first kilobyte.
	ErrNotPDF = errors.New("pdfobj: no %PDF- header in the first kilobyte")
	// ErrWrongPassword: the file is encrypted and cannot be opened with
	// the empty user password.
	ErrWrongPassword = errors.New("pdfobj: the file needs a password")
	// ErrTooLarge: a stream or object is larger than the limit it is read
	// under (a decompression bomb, or an absurd length).
	ErrTooLarge = errors.New("pdfobj: larger than the limit")
	// ErrImageData: the stream is image data (DCT, JPX, JBIG2, CCITT),
	// which this package never decodes.
	ErrImageData = errors.New("pdfobj: image data is not decoded")
)

// headerWindow is how far into the file the %PDF- header may start;
// Acrobat accepts junk before it within the first kilobyte.
const headerWindow = 1024

// Options bound the work done for one file. Zero values take the defaults.
type Options struct {
	// MaxStreamBytes bounds what the reader decodes for itself: xref
	// streams and object streams. Default 64 MiB.
	MaxStreamBytes int64
	// MaxObjectBytes bounds the bytes read to parse one object (its
	// dictionary or value, not stream data). Default 8 MiB.
	MaxObjectBytes int64
	// MaxObjects bounds the number of cross-reference entries, so that a
	// file claiming a /Size of billions costs nothing. Default 4 million.
	MaxObjects int
	// MaxDepth bounds the nesting of arrays and dictionaries in one
	// object. Default 100.
	MaxDepth int
	// Budget, when set, counts the data Decode holds against a
	// process-wide limit (see Budget).
	Budget *Budget
	// Rebuild ignores the file's cross-reference data and rebuilds it by
	// scanning the file for "N G obj", as for a damaged file. Callers use
	// it when the xref table read fine but leads to a broken document.
	Rebuild bool
}

func (o Options) withDefaults() Options {
	if o.MaxStreamBytes <= 0 {
		o.MaxStreamBytes = 64 << 20
	}
	if o.MaxObjectBytes <= 0 {
		o.MaxObjectBytes = 8 << 20
	}
	if o.MaxObjects <= 0 {
		o.MaxObjects = 4_000_000
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = 100
	}
	return o
}

// Doc is an open PDF. It is not safe for concurrent use.
//
// Doc keeps the context given to Open, because its dereferencing methods
// mirror pdfcpu's, which take none: every loop that reads the file checks
// it, so a cancelled check stops at the next read.
type Doc struct {
	ctx      context.Context
	r        io.ReaderAt // the file from its %PDF- header on; offsets are relative to it
	size     int64
	opts     Options
	xref     xrefTable
	trailer  types.Dict
	repaired error
	sec      *security
	objs     objCache
	stms     objStmCache
	reading  map[int]bool // objects being read: a /Length that refers back is a loop
	streams  map[int64]streamOwner
	// hybrid holds the /XRefStm offsets already read: every section of a
	// hybrid file may name the same stream, and one that inflates to the
	// decompression limit must not be decoded once per section.
	hybrid map[int64]bool
	// hops counts the references Dereference has followed. It is read by
	// tests only: they bound the work of a hostile file (a reference
	// loop) by this count, not by the clock.
	hops int
}

// Open reads the structure of the PDF of the given size through r. Only
// the header, the cross-reference data and the trailer are read. A file
// whose cross-reference data is missing or broken, or whose catalog cannot
// be resolved through it, is opened by scanning for its objects instead;
// Repaired then says why.
func Open(ctx context.Context, r io.ReaderAt, size int64, opts Options) (*Doc, error) {
	start, err := findHeader(r, size)
	if err != nil {
		return nil, err
	}
	d := &Doc{
		ctx:     ctx,
		r:       io.NewSectionReader(r, start, size-start),
		size:    size - start,
		opts:    opts.withDefaults(),
		reading: map[int]bool{},
		streams: map[int64]streamOwner{},
		hybrid:  map[int64]bool{},
	}
	if opts.Rebuild {
		return d, d.openRebuilt(errors.New("rebuild requested"))
	}
	if err := d.readXRef(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return d, d.openRebuilt(err)
	}
	if err := d.setupSecurity(); err != nil {
		return nil, err
	}
	if _, err := d.Catalog(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return d, d.openRebuilt(err)
	}
	return d, nil
}

// forget drops everything read so far: objects read before the key was
// known, or through an xref table that is being replaced.
func (d *Doc) forget() {
	d.objs.reset()
	d.stms = objStmCache{}
	d.streams = map[int64]streamOwner{}
}

// openRebuilt replaces the cross-reference data with a table rebuilt by
// scanning the file, and records cause as the reason.
func (d *Doc) openRebuilt(cause error) error {
	d.xref, d.trailer, d.sec = xrefTable{}, nil, nil
	d.forget()
	s, err := d.rebuild()
	if err != nil {
		return fmt.Errorf("%w (the xref table was damaged: %v)", err, cause)
	}
	d.repaired = cause
	if err := d.setupSecurity(); err != nil {
		return err
	}
	if err := d.finishRebuild(s); err != nil {
		return fmt.Errorf("%w (the xref table was damaged: %v)", err, cause)
	}
	if _, err := d.Catalog(); err != nil {
		return fmt.Errorf("rebuilt xref table: %w (the original was damaged: %v)", err, cause)
	}
	return nil
}

func findHeader(r io.ReaderAt, size int64) (int64, error) {
	head := make([]byte, max(0, min(size, headerWindow)))
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return 0, fmt.Errorf("read the header: %w", err)
	}
	i := bytes.Index(head[:n], []byte("%PDF-"))
	if i < 0 {
		return 0, ErrNotPDF
	}
	return int64(i), nil
}

// Repaired returns why the cross-reference data was rebuilt by scanning
// the file, or nil when it was read as written.
func (d *Doc) Repaired() error { return d.repaired }

// Trailer returns the trailer dictionary (for a file with incremental
// updates, the newest, completed by older ones).
func (d *Doc) Trailer() types.Dict { return d.trailer }

// Catalog returns the document catalog, the trailer's /Root.
func (d *Doc) Catalog() (types.Dict, error) {
	root, err := d.DereferenceDict(d.trailer["Root"])
	if err != nil {
		return nil, fmt.Errorf("document catalog: %w", err)
	}
	if root == nil {
		return nil, errors.New("document catalog: missing")
	}
	return root, nil
}

// Encryption describes how the file is encrypted.
type Encryption struct {
	// R is the standard security handler's revision (2 to 6).
	R int
	// V is the encryption algorithm's version (1, 2, 4 or 5).
	V int
	// P holds the permission flags (PDF 32000 table 22).
	P int32
}

// Encryption returns the file's encryption, or nil when it is not
// encrypted.
func (d *Doc) Encryption() *Encryption {
	if d.sec == nil {
		return nil
	}
	return &Encryption{R: d.sec.r, V: d.sec.v, P: d.sec.p}
}

// ObjectNumbers returns the numbers of the objects the cross-reference
// data defines, for callers (and tests) that walk every object.
func (d *Doc) ObjectNumbers() []int {
	out := make([]int, 0, d.xref.len())
	for n, e := range d.xref.all {
		if e.kind != entryFree {
			out = append(out, n)
		}
	}
	return out
}
