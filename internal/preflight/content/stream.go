package content

import "io"

// lexer returns a lexer over r for the stream at the current form depth.
// Lexers and their windows are kept, one per depth, so that a form drawn
// a million times costs no garbage.
func (in *Interpreter) lexer(r io.Reader) *Lexer {
	depth := len(in.forms)
	for len(in.lexers) <= depth {
		in.lexers = append(in.lexers, NewLexer(nil))
	}
	lx := in.lexers[depth]
	lx.Reset(r)
	return lx
}
