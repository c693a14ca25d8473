package content

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"
)

// nestedForms is the resources of forms F1 … Fdepth, where each form
// draws the next fan times and the last draws leaf, and the page content
// that draws F1 fan times: fan^depth drawings of leaf from a few hundred
// bytes. decodes counts the calls of the forms' Content.
func nestedForms(depth, fan int, leaf string) (page string, res fakeRes, decodes *atomic.Int64) {
	draws := func(name string) string {
		var b strings.Builder
		for i := range fan {
			fmt.Fprintf(&b, "q 0.9 0 0 0.9 %d %d cm /%s Do Q\n", i, i, name)
		}
		return b.String()
	}
	decodes = new(atomic.Int64)
	res = fakeRes{xobjs: map[Name]XObject{}}
	for i := 1; i <= depth; i++ {
		body := leaf
		if i < depth {
			body = draws(fmt.Sprintf("F%d", i+1))
		}
		res.xobjs[Name(fmt.Sprintf("F%d", i))] = XObject{Form: &FormInfo{ID: fmt.Sprintf("%d 0", 10+i), Matrix: Identity,
			Content: func() (io.Reader, error) { decodes.Add(1); return strings.NewReader(body), nil }}}
	}
	return draws("F1"), res, decodes
}

// TestFormDrawnNTimesCostsNTimes: every operator of every drawing counts
// against the budget, and a form drawn again is not decoded again.
func TestFormDrawnNTimesCostsNTimes(t *testing.T) {
	t.Parallel()
	page, res, decodes := nestedForms(3, 10, "0 0 m 1 1 l S")
	in := NewInterpreter(&recorder{}, Limits{})
	if err := in.Run(context.Background(), strings.NewReader(page), res, Identity); err != nil {
		t.Fatalf("Run: %v", err)
	}
	// The page's 10 drawings of 4 operators, F1 and F2 drawn 10 and 100
	// times with 40 operators each, and the leaf's 3 operators 1000 times.
	if want := 40 + 10*40 + 100*40 + 1000*3; in.Ops() != want {
		t.Errorf("Ops = %d, want %d", in.Ops(), want)
	}
	if n := decodes.Load(); n != 3 {
		t.Errorf("the 3 forms were decoded %d times, want once each", n)
	}
}

// TestNestedFormsAreTooComplex: forms that draw each other ten times, six
// deep, ask for a million drawings from a few hundred bytes; the default
// limits stop them before the end, though their operators are far fewer
// than MaxOps.
func TestNestedFormsAreTooComplex(t *testing.T) {
	t.Parallel()
	page, res, _ := nestedForms(6, 10, "0 0 m 10 10 l S 1 0 0 rg 0 0 5 5 re f")
	in := NewInterpreter(&recorder{}, Limits{})
	err := in.Run(context.Background(), strings.NewReader(page), res, Identity)
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "drawn again") {
		t.Fatalf("err = %v, want ErrLimit for forms drawn again", err)
	}
	if total := 40 + 11_110*40 + 1_000_000*8; in.Ops() >= total {
		t.Errorf("interpreted all %d operators, want a stop before the end", total)
	}
}

// TestFormRepeatLimit: a form of n bytes drawn k times costs (k-1)·n of
// MaxFormRepeatBytes; its first drawing is free.
func TestFormRepeatLimit(t *testing.T) {
	t.Parallel()
	const body = "0 0 m 1 1 l S" // 13 bytes
	res := fakeRes{xobjs: map[Name]XObject{"Fm": {Form: &FormInfo{ID: "7 0", Matrix: Identity,
		Content: func() (io.Reader, error) { return strings.NewReader(body), nil }}}}}
	for _, tt := range []struct {
		limit int64
		fail  bool
	}{{26, false}, {25, true}} {
		in := NewInterpreter(&recorder{}, Limits{MaxFormRepeatBytes: tt.limit})
		err := in.Run(context.Background(), strings.NewReader("/Fm Do /Fm Do /Fm Do"), res, Identity)
		if got := errors.Is(err, ErrLimit); got != tt.fail {
			t.Errorf("three drawings of %d bytes with a limit of %d: err = %v, want limit %v", len(body), tt.limit, err, tt.fail)
		}
	}
}

// TestFormThatCannotBeRead: a form whose data cannot be opened or breaks
// off is damaged content (ErrSyntax, which preflight reports), not a
// drawing skipped in silence; one over a limit ends the page.
func TestFormThatCannotBeRead(t *testing.T) {
	t.Parallel()
	broken := errors.New("undefined predictor 7")
	for name, tt := range map[string]struct {
		content func() (io.Reader, error)
		limit   bool
	}{
		"cannot be opened": {content: func() (io.Reader, error) { return nil, broken }},
		"breaks off": {content: func() (io.Reader, error) {
			return io.MultiReader(strings.NewReader("1 0 0 rg 0 0 10 10 re f "), iotest.ErrReader(broken)), nil
		}},
		"over a limit": {content: func() (io.Reader, error) { return nil, fmt.Errorf("%w: 300 MiB", ErrLimit) }, limit: true},
	} {
		res := fakeRes{xobjs: map[Name]XObject{"Fm": {Form: &FormInfo{ID: "7 0", Matrix: Identity, Content: tt.content}}}}
		rec := &recorder{}
		err := NewInterpreter(rec, Limits{}).Run(context.Background(), strings.NewReader("/Fm Do"), res, Identity)
		if tt.limit {
			if !errors.Is(err, ErrLimit) {
				t.Errorf("%s: err = %v, want ErrLimit", name, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: err = %v, want the page to go on", name, err)
		}
		if !slices.ContainsFunc(rec.problems, func(e error) bool { return errors.Is(e, ErrSyntax) }) {
			t.Errorf("%s: problems %v, want one marked ErrSyntax", name, rec.problems)
		}
	}
}

// TestRunFormUsesThePageBudget: an appearance drawn by RunForm after the
// page that drew the same form counts as a form drawn again, its matrix
// applies after the annotation's, and an appearance that draws itself is
// refused as a page's form would be.
func TestRunFormUsesThePageBudget(t *testing.T) {
	t.Parallel()
	const body = "0 0 m 1 1 l S" // 13 bytes
	fm := &FormInfo{ID: "7 0", Matrix: Matrix{2, 0, 0, 2, 0, 0},
		Content: func() (io.Reader, error) { return strings.NewReader(body), nil }}
	res := fakeRes{xobjs: map[Name]XObject{"Fm": {Form: fm}}}
	rec := &recorder{}
	in := NewInterpreter(rec, Limits{MaxFormRepeatBytes: 20})
	if err := in.Run(context.Background(), strings.NewReader("/Fm Do"), res, Identity); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if err := in.RunForm(context.Background(), fm, res, Matrix{1, 0, 0, 1, 100, 50}); err != nil {
		t.Fatalf("RunForm, first drawing again: %v", err)
	}
	if got, want := rec.paints[len(rec.paints)-1].Bounds, (Rect{100, 50, 102, 52}); got != want {
		t.Errorf("appearance painted at %v, want %v (form matrix, then the annotation's)", got, want)
	}
	if err := in.RunForm(context.Background(), fm, res, Identity); !errors.Is(err, ErrLimit) {
		t.Errorf("third drawing of %d bytes with a repeat limit of 20: err = %v, want ErrLimit", len(body), err)
	}

	self := &FormInfo{ID: "9 0", Matrix: Identity, Content: func() (io.Reader, error) { return strings.NewReader("/Me Do"), nil }}
	selfRes := fakeRes{xobjs: map[Name]XObject{"Me": {Form: self}}}
	self.Resources = selfRes
	err := NewInterpreter(&recorder{}, Limits{}).RunForm(context.Background(), self, selfRes, Identity)
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "draws itself") {
		t.Errorf("appearance drawing itself: err = %v, want ErrLimit", err)
	}
}
