package content

import "strconv"

// number reads a number, as PDF writes them or as producers do.
func (l *Lexer) number() (Object, error) {
	b, err := l.regular()
	if err != nil {
		return nil, err
	}
	if f, ok := decimal(b); ok {
		return numberObject(f), nil
	}
	s := string(b)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return f, nil
	}
	// Producers write oddities such as "--5" or "5-"; keep the sign and
	// digits, as Acrobat does, rather than failing the whole stream.
	neg := false
	var d []byte
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '-' && len(d) == 0:
			neg = true
		case ch == '.' || (ch >= '0' && ch <= '9'):
			d = append(d, ch)
		}
	}
	f, err := strconv.ParseFloat(string(d), 64)
	if err != nil {
		return keyword(s), nil
	}
	if neg {
		f = -f
	}
	return f, nil
}

// decimal parses the numbers content streams are made of ("12", "-0.5",
// ".25") without the string strconv needs; it leaves anything else, and
// numbers of more than 15 digits, to strconv. A decimal of at most 15
// digits is an exact float64 divided by an exact power of ten: one
// rounding, as strconv.ParseFloat gives.
func decimal(b []byte) (float64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		b = b[1:]
	}
	var mant int64
	digits, frac, dot := 0, 0, false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			mant = mant*10 + int64(c-'0')
			digits++
			if dot {
				frac++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return 0, false
		}
	}
	if digits == 0 || digits > 15 {
		return 0, false
	}
	f := float64(mant) / pow10[frac]
	if neg {
		f = -f
	}
	return f, true
}

var pow10 = [16]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// smallInts are the integers from -256 to 1024 as Objects, made once:
// content streams are full of them (colours, matrices, coordinates), and
// making an Object of a number otherwise allocates.
var smallInts = func() (t [1281]Object) {
	for i := range t {
		t[i] = float64(i - 256)
	}
	return t
}()

// numberObject makes an Object of f.
func numberObject(f float64) Object {
	if f >= -256 && f <= 1024 && f == float64(int(f)) {
		return smallInts[int(f)+256]
	}
	return f
}
