package content

import (
	"bytes"
	"context"
	"testing"
)

// FuzzInterpreter feeds arbitrary bytes to the lexer and interpreter: they
// must never panic or run away, whatever the stream holds.
func FuzzInterpreter(f *testing.F) {
	for _, seed := range []string{
		"q 1 0 0 1 10 10 cm /Im Do Q",
		"BT /F1 12 Tf 1 0 0 1 0 0 Tm [(a) -10 (b)] TJ ET",
		"/CS0 cs 0.5 sc 0 0 10 10 re f /OP gs 0 0 0 0 K 0 0 m 1 1 l S",
		"BI /W 2 /H 2 /CS /G /BPC 8 ID \x00\x01\x02\x03 EI",
		"/Fm Do /Loop Do (unterminated",
		"<< /A [1 2 <<>> ] >> BDC EMC [[[[",
		"1 0 0 rg 0 0 m 5 5 10 10 15 15 c h B* 0.1 w s",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := NewInterpreter(&recorder{}, Limits{MaxOps: 100_000})
		_ = in.Run(context.Background(), bytes.NewReader(data), testRes(), Identity)
	})
}
