package pdffix

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// writeObject writes o in PDF syntax. It stands in for pdfcpu's
// PDFString, which formats through fmt and joins slices of strings: a
// 250-page book's page dictionaries cost a quarter of the fix's time that
// way. Numbers are written as short as they read back exactly. An object
// of a type no dictionary holds is an error, not an omission.
func writeObject(b *strings.Builder, o types.Object) error {
	switch o := o.(type) {
	case nil:
		b.WriteString("null")
	case types.Dict:
		b.WriteString("<<")
		keys := make([]string, 0, len(o))
		for k := range o {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b.WriteString(types.Name(k).PDFString())
			b.WriteByte(' ')
			if err := writeObject(b, o[k]); err != nil {
				return err
			}
		}
		b.WriteString(">>")
	case types.Array:
		b.WriteByte('[')
		for i, e := range o {
			if i > 0 {
				b.WriteByte(' ')
			}
			if err := writeObject(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case types.IndirectRef:
		b.WriteString(strconv.Itoa(o.ObjectNumber.Value()))
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(o.GenerationNumber.Value()))
		b.WriteString(" R")
	case types.Integer:
		b.WriteString(strconv.Itoa(o.Value()))
	case types.Float:
		v := o.Value()
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("a number that is not finite (%v)", v)
		}
		b.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
	case types.Name, types.Boolean, types.StringLiteral, types.HexLiteral:
		b.WriteString(o.PDFString())
	default:
		return fmt.Errorf("an object of type %T in a dictionary", o)
	}
	return nil
}
