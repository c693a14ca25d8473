package pdfobj

import "testing"

// Entries live in a slice while the numbers are dense, and a number far
// beyond the others (which a hostile /Index can name) costs one map entry,
// not a slice reaching it.
func TestXRefTableDenseAndSparse(t *testing.T) {
	t.Parallel()
	var x xrefTable
	x.reserve(100_000, 100_000)
	for n := 1; n < 100_000; n++ {
		x.add(n, entry{kind: entryInUse, off: int64(n)})
	}
	x.add(2_000_000_000, entry{kind: entryCompressed, off: 7, idx: 3})
	x.add(5, entry{kind: entryFree}) // a newer section defined it already
	if e, ok := x.get(5); !ok || e.kind != entryInUse || e.off != 5 {
		t.Errorf("object 5: %+v %v, want the first entry kept", e, ok)
	}
	if e, ok := x.get(2_000_000_000); !ok || e.idx != 3 {
		t.Errorf("object 2e9: %+v %v", e, ok)
	}
	if _, ok := x.get(0); ok {
		t.Error("object 0 has an entry")
	}
	if _, ok := x.get(-1); ok {
		t.Error("object -1 has an entry")
	}
	if x.len() != 100_000 || len(x.dense) != 100_000 || len(x.sparse) != 1 {
		t.Errorf("%d entries, %d in the slice, %d in the map", x.len(), len(x.dense), len(x.sparse))
	}
	n := 0
	for range x.all {
		n++
	}
	if n != x.len() {
		t.Errorf("all yields %d entries, len says %d", n, x.len())
	}
}
