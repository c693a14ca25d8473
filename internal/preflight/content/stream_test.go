package content

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
)

// tokens reads every token of r as test output.
func tokens(t *testing.T, r io.Reader) []string {
	t.Helper()
	lx := NewLexer(r)
	var out []string
	for {
		tok, err := lx.Next()
		switch {
		case err == io.EOF:
			return out
		case err != nil:
			t.Fatalf("Next: %v", err)
		case tok.Op == "BI":
			d, err := lx.InlineImage()
			out = append(out, fmt.Sprintf("BI %v %v %q", err, sprint(d), lx.InlineData()))
		case tok.Op != "":
			out = append(out, "OP:"+tok.Op)
		default:
			out = append(out, sprint(tok.Operand))
		}
	}
}

// The lexer reads through a window: tokens, strings and inline images
// split across reads (one byte at a time) read as they do from one read.
func TestLexerReadsAcrossReads(t *testing.T) {
	t.Parallel()
	content := "1 0 0 1 10.5 -3 cm /F#201 12 Tf (a\\(b\\)\\101\\\r\nc) Tj <48 65 6c> Tj [(A) -120 (B)] TJ % comment\n" +
		"/P <</MCID 3>> BDC true null BI /W 2 /H 1 /CS /CMYK /BPC 8 ID \x01\x02\x03\x04EIEI\x05\x06\x07\x08\nEI Q " +
		"BI /W 2 /H 1 /CS /CS0 /BPC 8 ID \x01\x02\nEI " + strings.Repeat("0 0 m 1 1 l S ", 5000)
	want := tokens(t, strings.NewReader(content))
	for _, r := range []io.Reader{iotest.OneByteReader(strings.NewReader(content)), iotest.HalfReader(strings.NewReader(content))} {
		if got := tokens(t, r); strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%T: %d tokens differ from those of one read (%d)", r, len(got), len(want))
		}
	}
	if len(want) != 24+7*5000 {
		t.Errorf("%d tokens, want %d", len(want), 24+7*5000)
	}
}

// A failing reader is an error of its own, not a syntax error.
func TestLexerReturnsReadErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	lx := NewLexer(io.MultiReader(strings.NewReader("q 1 0 0 1 0 0 cm (unfinished"), iotest.ErrReader(boom)))
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		_, err = lx.Next()
	}
	if !errors.Is(err, boom) || errors.Is(err, ErrSyntax) {
		t.Errorf("err = %v, want the reader's", err)
	}
}

// What one token may hold is bounded, so that a stream of one huge token
// costs no more than the bound.
func TestLexerBoundsTokens(t *testing.T) {
	t.Parallel()
	var dict strings.Builder
	for i := range maxElements + 1 {
		fmt.Fprintf(&dict, "/K%d 1 ", i)
	}
	for name, in := range map[string]string{
		"word":   strings.Repeat("x", maxToken+1),
		"number": strings.Repeat("1", maxToken+1),
		"string": "(" + strings.Repeat("x", maxToken+1) + ")",
		"hex":    "<" + strings.Repeat("41", maxToken+1) + ">",
		"array":  "[" + strings.Repeat("1 ", maxElements+1) + "]",
		"dict":   "<<" + dict.String() + ">>",
	} {
		_, err := NewLexer(strings.NewReader(in)).Next()
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("%s: err = %v, want ErrSyntax", name, err)
		}
	}
	// Inline image data over the bound is read past, not kept.
	data := bytes.Repeat([]byte{1}, maxInlineImage+4)
	lx := NewLexer(io.MultiReader(strings.NewReader(fmt.Sprintf("BI /W %d /H 1 /CS /CMYK /BPC 8 ID ", len(data)/4)), bytes.NewReader(data), strings.NewReader(" EI Q")))
	lx.Next()
	if _, err := lx.InlineImage(); err != nil || lx.InlineData() != nil {
		t.Errorf("inline image of %d bytes: err %v, %d bytes kept", len(data), err, len(lx.InlineData()))
	}
	if tok, _ := lx.Next(); tok.Op != "Q" {
		t.Errorf("after the image: %+v, want Q", tok)
	}
}

// A form's stream that is larger than the limit ends the interpretation;
// one that fails otherwise ends the form, and the page goes on.
func TestFormReadErrors(t *testing.T) {
	t.Parallel()
	form := func(err error) XObject {
		return XObject{Form: &FormInfo{ID: "7 0", Matrix: Identity, Content: func() (io.Reader, error) {
			return io.MultiReader(strings.NewReader("0 0 10 10 re f "), iotest.ErrReader(err)), nil
		}}}
	}
	res := testRes()
	res.xobjs["Big"] = form(fmt.Errorf("%w: decodes to more than the limit", ErrLimit))
	res.xobjs["Bad"] = form(errors.New("flate: corrupt input"))

	in := NewInterpreter(&recorder{}, Limits{})
	if err := in.Run(context.Background(), strings.NewReader("/Big Do 0 0 5 5 re f"), res, Identity); !errors.Is(err, ErrLimit) {
		t.Errorf("form over the limit: %v, want ErrLimit", err)
	}
	rec := &recorder{}
	in = NewInterpreter(rec, Limits{})
	if err := in.Run(context.Background(), strings.NewReader("/Bad Do 0 0 5 5 re f"), res, Identity); err != nil {
		t.Fatalf("damaged form: %v", err)
	}
	if len(rec.paints) != 2 || len(rec.problems) != 1 {
		t.Errorf("damaged form: %d paints and problems %v, want the form's rectangle, the page's and one problem", len(rec.paints), rec.problems)
	}
}

// An inline image's data length is computed from what its dictionary
// claims only when the claims are sane: bits per component past 16
// overflowed it to a negative length, which panicked.
func TestInlineImageLengthFromHostileClaims(t *testing.T) {
	t.Parallel()
	for _, bpc := range []string{"31278921701923780", "-8", "3", "1e300", "0.5"} {
		in := "BI /W 1 /H 2359 /BPC " + bpc + " /CS /G ID x EI Q"
		lx := NewLexer(strings.NewReader(in))
		lx.Next()
		if _, err := lx.InlineImage(); err != nil {
			t.Errorf("BPC %s: %v", bpc, err)
		}
		if tok, _ := lx.Next(); tok.Op != "Q" {
			t.Errorf("BPC %s: after the image %+v, want Q", bpc, tok)
		}
	}
	for _, d := range []string{"/W 1 /H 2359 /BPC 31278921701923780 /CS /G", "/W 4 /H 4 /BPC 8 /CS /RGB"} {
		if n := inlineDataLength(mustDict(t, d)); n < 0 || n > 1<<30 {
			t.Errorf("%s: length %d", d, n)
		}
	}
}

func mustDict(t *testing.T, entries string) Dict {
	t.Helper()
	tok, err := NewLexer(strings.NewReader("<<" + entries + ">>")).Next()
	if err != nil {
		t.Fatal(err)
	}
	return tok.Operand.(Dict)
}

// One operand's arrays and dictionaries share one budget of elements and
// bytes: [[0 0 … 65 000 times] … 1000 times] took the heap to 1.9 GB when
// each array was bounded alone.
func TestLexerBoundsNestedOperands(t *testing.T) {
	inner := "[" + strings.Repeat("1 ", 60_000) + "] "
	for name, in := range map[string]string{
		"arrays":  "[" + strings.Repeat(inner, 64) + "] n",
		"dicts":   "<<" + strings.Repeat("/K <</V "+inner+">> ", 64) + ">> n",
		"strings": "[" + strings.Repeat("("+strings.Repeat("x", maxToken-1)+") ", 64) + "] n",
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := NewLexer(strings.NewReader(in)).Next()
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("%s: err = %v, want ErrSyntax", name, err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
			t.Errorf("%s: lexing one operand allocated %d MiB", name, alloc>>20)
		}
	}
	// Within the budget, nesting reads as before.
	tok, err := NewLexer(strings.NewReader("[" + strings.Repeat("[1 2] ", 1000) + "]")).Next()
	if err != nil || len(tok.Operand.(Array)) != 1000 {
		t.Errorf("1000 small arrays: %v", err)
	}
}
