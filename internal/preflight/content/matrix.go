package content

import "math"

// Matrix is a PDF transformation matrix [a b c d e f], mapping (x, y) to
// (a·x + c·y + e, b·x + d·y + f).
type Matrix [6]float64

// Identity is the matrix that changes nothing.
var Identity = Matrix{1, 0, 0, 1, 0, 0}

// Mul returns m followed by n (m × n in PDF's row-vector notation): the
// matrix that first applies m, then n. "cm" sets CTM = M.Mul(CTM).
func (m Matrix) Mul(n Matrix) Matrix {
	return Matrix{
		m[0]*n[0] + m[1]*n[2],
		m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2],
		m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4],
		m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

// Apply transforms the point (x, y).
func (m Matrix) Apply(x, y float64) (float64, float64) {
	return m[0]*x + m[2]*y + m[4], m[1]*x + m[3]*y + m[5]
}

// XScale is the length of the unit x vector after m: how long one unit
// along x becomes, whatever the rotation.
func (m Matrix) XScale() float64 { return math.Hypot(m[0], m[1]) }

// YScale is the length of the unit y vector after m.
func (m Matrix) YScale() float64 { return math.Hypot(m[2], m[3]) }

// MinScale is the smallest factor by which m shrinks any direction (the
// smaller singular value). A line stroked under a skewed or non-uniform
// matrix is as thin as its thinnest direction.
func (m Matrix) MinScale() float64 {
	a, b, c, d := m[0], m[1], m[2], m[3]
	s1 := a*a + b*b + c*c + d*d
	det := a*d - b*c
	disc := math.Sqrt(math.Max(0, s1*s1-4*det*det))
	return math.Sqrt(math.Max(0, (s1-disc)/2))
}

// Rect is an axis-aligned rectangle in default user space (points).
type Rect struct{ X0, Y0, X1, Y1 float64 }

// Empty reports whether r holds no point yet.
func (r Rect) Empty() bool { return r.X1 < r.X0 || r.Y1 < r.Y0 }

// EmptyRect is the starting value for Union.
var EmptyRect = Rect{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}

// Add grows r to include (x, y).
func (r Rect) Add(x, y float64) Rect {
	return Rect{math.Min(r.X0, x), math.Min(r.Y0, y), math.Max(r.X1, x), math.Max(r.Y1, y)}
}

// Union grows r to include s.
func (r Rect) Union(s Rect) Rect {
	if s.Empty() {
		return r
	}
	return r.Add(s.X0, s.Y0).Add(s.X1, s.Y1)
}

// Transform returns the bounding box of r after m.
func (r Rect) Transform(m Matrix) Rect {
	out := EmptyRect
	for _, p := range [][2]float64{{r.X0, r.Y0}, {r.X1, r.Y0}, {r.X0, r.Y1}, {r.X1, r.Y1}} {
		x, y := m.Apply(p[0], p[1])
		out = out.Add(x, y)
	}
	return out
}
