package pdfobj

import "slices"

type entryKind uint8

const (
	entryNone entryKind = iota // no entry: the number is not in the table
	entryFree
	entryInUse
	entryCompressed
)

// entry is one cross-reference entry, 16 bytes.
type entry struct {
	off  int64 // in use: offset of "N G obj"; compressed: the object stream's number
	idx  int32 // compressed: index within the object stream (at most Options.MaxObjects)
	kind entryKind
}

// xrefTable holds the cross-reference entries by object number: in a
// slice while the numbers are dense, as they are in real files, so that a
// table of millions of entries (which a few kilobytes of compressed
// cross-reference stream can claim) costs 16 bytes each rather than a
// map's hundred or more; numbers far beyond the others go to a map.
type xrefTable struct {
	dense  []entry
	sparse map[int]entry
	n      int
}

// get returns the entry of object num, if there is one.
func (t *xrefTable) get(num int) (entry, bool) {
	if num >= 0 && num < len(t.dense) {
		e := t.dense[num]
		return e, e.kind != entryNone
	}
	e, ok := t.sparse[num]
	return e, ok
}

// add records e for object num unless it has an entry already.
func (t *xrefTable) add(num int, e entry) {
	if _, ok := t.get(num); ok || num < 0 {
		return
	}
	if num >= len(t.dense) && t.staysDense(num+1, 1) {
		t.dense = slices.Grow(t.dense, num+1-len(t.dense))[:num+1]
	}
	if num < len(t.dense) {
		t.dense[num] = e
	} else {
		if t.sparse == nil {
			t.sparse = map[int]entry{}
		}
		t.sparse[num] = e
	}
	t.n++
}

// reserve makes room in the slice for numbers below end, when the
// entries about to be added (more of them) keep it dense, so that a large
// subsection grows it once.
func (t *xrefTable) reserve(end, more int) {
	if end > len(t.dense) && t.staysDense(end, more) {
		t.dense = slices.Grow(t.dense, end-len(t.dense))[:end]
	}
}

// staysDense says whether a slice of length end stays dense with more
// entries added: no more than twice as long as the entries, or short.
func (t *xrefTable) staysDense(end, more int) bool {
	return end <= max(1024, 2*(t.n+more))
}

// len returns the number of entries.
func (t *xrefTable) len() int { return t.n }

// all yields every entry with its object number.
func (t *xrefTable) all(yield func(int, entry) bool) {
	for n, e := range t.dense {
		if e.kind != entryNone && !yield(n, e) {
			return
		}
	}
	for n, e := range t.sparse {
		if !yield(n, e) {
			return
		}
	}
}
