package pdfobj

import (
	"fmt"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// maxHops bounds a chain of references to references (1 0 R naming an
// object that is 2 0 R, and so on); a loop ends here with an error.
const maxHops = 32

// Dereference resolves o when it is an indirect reference (following
// references to references) and returns it unchanged otherwise. A
// reference to an object the file does not define is null: (nil, nil).
// Streams are returned as types.StreamDict values, their data unread.
func (d *Doc) Dereference(o types.Object) (types.Object, error) {
	for range maxHops {
		ir, ok := o.(types.IndirectRef)
		if !ok {
			return o, nil
		}
		d.hops++
		var err error
		if o, err = d.object(ir.ObjectNumber.Value()); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("more than %d references in a row (a reference loop)", maxHops)
}

// DereferenceDict resolves o to a dictionary; null is (nil, nil), another
// type an error. A stream is not a dictionary here.
func (d *Doc) DereferenceDict(o types.Object) (types.Dict, error) {
	o, err := d.Dereference(o)
	if err != nil || o == nil {
		return nil, err
	}
	v, ok := o.(types.Dict)
	if !ok {
		return nil, fmt.Errorf("want a dictionary, found %T", o)
	}
	return v, nil
}

// DereferenceArray resolves o to an array; null is (nil, nil).
func (d *Doc) DereferenceArray(o types.Object) (types.Array, error) {
	o, err := d.Dereference(o)
	if err != nil || o == nil {
		return nil, err
	}
	v, ok := o.(types.Array)
	if !ok {
		return nil, fmt.Errorf("want an array, found %T", o)
	}
	return v, nil
}

// DereferenceNumber resolves o to an integer or real number.
func (d *Doc) DereferenceNumber(o types.Object) (float64, error) {
	o, err := d.Dereference(o)
	if err != nil {
		return 0, err
	}
	switch v := o.(type) {
	case types.Integer:
		return float64(v), nil
	case types.Float:
		return float64(v), nil
	}
	return 0, fmt.Errorf("want a number, found %T", o)
}

// DereferenceName resolves o to a name; null is ("", nil), as with
// pdfcpu's method of that name.
func (d *Doc) DereferenceName(o types.Object) (types.Name, error) {
	o, err := d.Dereference(o)
	if err != nil || o == nil {
		return "", err
	}
	v, ok := o.(types.Name)
	if !ok {
		return "", fmt.Errorf("want a name, found %T", o)
	}
	return v, nil
}

// DereferenceBoolean resolves o to a boolean; null is (nil, nil).
func (d *Doc) DereferenceBoolean(o types.Object) (*types.Boolean, error) {
	o, err := d.Dereference(o)
	if err != nil || o == nil {
		return nil, err
	}
	v, ok := o.(types.Boolean)
	if !ok {
		return nil, fmt.Errorf("want a boolean, found %T", o)
	}
	return &v, nil
}

// DereferenceStreamDict resolves o to a stream; null is (nil, nil). The
// stream's data is not read: Decode reads it.
func (d *Doc) DereferenceStreamDict(o types.Object) (*types.StreamDict, error) {
	o, err := d.Dereference(o)
	if err != nil || o == nil {
		return nil, err
	}
	v, ok := o.(types.StreamDict)
	if !ok {
		return nil, fmt.Errorf("want a stream, found %T", o)
	}
	return &v, nil
}
