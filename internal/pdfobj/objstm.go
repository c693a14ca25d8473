package pdfobj

import (
	"fmt"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// objStm is a decoded object stream: its data and, for each index, the
// object number and where the object starts in data.
type objStm struct {
	num  int
	data []byte
	objs []objStmEntry
}

type objStmEntry struct {
	num   int
	start int
}

// The decoded object streams kept are bounded by their bytes, not their
// count: writers put a few hundred objects in each, tens of KB decoded,
// so hundreds are kept and a walk that jumps between them (a page's
// objects spread over several) decodes each once; one as large as
// Options.MaxStreamBytes, which only a hostile file has, is kept alone
// instead of being decoded again on every lookup.
const (
	objStmCacheBytes = 16 << 20
	objStmCacheMax   = 512
)

// objStmCache keeps the most recently used object streams, newest first.
type objStmCache struct {
	list  []*objStm
	bytes int
}

func (c *objStmCache) get(num int) *objStm {
	for i, s := range c.list {
		if s.num == num {
			copy(c.list[1:i+1], c.list[:i])
			c.list[0] = s
			return s
		}
	}
	return nil
}

// put adds s, then drops the least recently used streams while the cache
// is over its bounds; s itself always stays.
func (c *objStmCache) put(s *objStm) {
	c.list = append(c.list, nil)
	copy(c.list[1:], c.list)
	c.list[0] = s
	c.bytes += len(s.data)
	for len(c.list) > 1 && (c.bytes > objStmCacheBytes || len(c.list) > objStmCacheMax) {
		last := c.list[len(c.list)-1]
		c.bytes -= len(last.data)
		c.list[len(c.list)-1] = nil
		c.list = c.list[:len(c.list)-1]
	}
}

// fromObjStm returns object want, at index idx of object stream stm.
func (d *Doc) fromObjStm(stm, idx, want int) (types.Object, int64, error) {
	s, err := d.objStm(stm)
	if err != nil {
		return nil, 0, err
	}
	if idx < 0 || idx >= len(s.objs) || s.objs[idx].num != want {
		// A wrong index in the xref data: look the number up instead.
		idx = -1
		for i, e := range s.objs {
			if e.num == want {
				idx = i
			}
		}
		if idx < 0 {
			return nil, 0, fmt.Errorf("object stream %d does not hold object %d", stm, want)
		}
	}
	start, end := s.objs[idx].start, len(s.data)
	if idx+1 < len(s.objs) && s.objs[idx+1].start >= start {
		end = s.objs[idx+1].start
	}
	if int64(end-start) > d.opts.MaxObjectBytes {
		return nil, 0, fmt.Errorf("object %d in object stream %d is over %d bytes: %w", want, stm, d.opts.MaxObjectBytes, ErrTooLarge)
	}
	o, err := parseValue(d.ctx, string(s.data[start:end]), d.opts.MaxDepth)
	if err != nil {
		return nil, 0, fmt.Errorf("in object stream %d: %w", stm, err)
	}
	return o, int64(end - start), nil
}

// objStm returns the decoded object stream num, from the cache or read.
// An object stream must itself be an uncompressed object, so a chain of
// object streams cannot form.
func (d *Doc) objStm(num int) (*objStm, error) {
	if s := d.stms.get(num); s != nil {
		return s, nil
	}
	if e, _ := d.xref.get(num); e.kind != entryInUse {
		return nil, fmt.Errorf("object stream %d is not an uncompressed object", num)
	}
	sd, err := d.DereferenceStreamDict(types.IndirectRef{ObjectNumber: types.Integer(num)})
	if err != nil {
		return nil, fmt.Errorf("object stream %d: %w", num, err)
	}
	if sd == nil {
		return nil, fmt.Errorf("object stream %d is missing", num)
	}
	data, err := d.Decode(sd, d.opts.MaxStreamBytes)
	if err != nil {
		return nil, fmt.Errorf("object stream %d: %w", num, err)
	}
	s, err := d.parseObjStm(num, sd.Dict, data)
	if err != nil {
		return nil, err
	}
	d.stms.put(s)
	return s, nil
}

func (d *Doc) parseObjStm(num int, dict types.Dict, data []byte) (*objStm, error) {
	n, first := dict.IntEntry("N"), dict.IntEntry("First")
	if n == nil || first == nil || *n < 0 || *first < 0 || *first > len(data) {
		return nil, fmt.Errorf("object stream %d: /N or /First missing or outside its %d bytes", num, len(data))
	}
	// Each pair takes at least four bytes ("1 0 "), so /N cannot exceed a
	// quarter of the header: an absurd /N costs nothing.
	if *n > *first/4+1 || *n > d.opts.MaxObjects {
		return nil, fmt.Errorf("object stream %d: /N %d does not fit its %d-byte header", num, *n, *first)
	}
	s := &objStm{num: num, data: data, objs: make([]objStmEntry, 0, *n)}
	head, i := data[:*first], 0
	for range *n {
		var t []byte
		t, i = token(head, i)
		on, ok1 := uintToken(t)
		t, i = token(head, i)
		off, ok2 := uintToken(t)
		if !ok1 || !ok2 || int64(*first)+off > int64(len(data)) {
			return nil, fmt.Errorf("object stream %d: bad header at entry %d", num, len(s.objs))
		}
		s.objs = append(s.objs, objStmEntry{num: int(on), start: *first + int(off)})
	}
	return s, nil
}
