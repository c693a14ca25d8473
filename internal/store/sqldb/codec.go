package sqldb

import (
	"encoding/json"
	"fmt"
	"time"
)

// SQLiteTimeLayout is how SQLite stores times: UTC, always six fractional
// digits, so that comparing the text compares the times.
const SQLiteTimeLayout = "2006-01-02T15:04:05.000000Z"

// t encodes a time argument. Times are kept in UTC to the microsecond, the
// precision of PostgreSQL, so that both databases return the same value.
func (db *DB) t(v time.Time) any {
	return db.d.Time(v.UTC().Truncate(time.Microsecond))
}

// nt encodes an optional time argument; nil is NULL.
func (db *DB) nt(v *time.Time) any {
	if v == nil {
		return nil
	}
	return db.t(*v)
}

// nullString encodes an optional string: empty is NULL, for references that
// a later migration may turn into foreign keys.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// jsonArg encodes v as JSON text; a nil pointer, slice or map is NULL.
func jsonArg(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	if string(b) == "null" {
		return nil, nil
	}
	return string(b), nil
}

// timeDest scans a time written by either dialect: PostgreSQL returns a
// time.Time, SQLite the text of SQLiteTimeLayout. The result is UTC.
type timeDest struct{ p *time.Time }

// Scan implements sql.Scanner.
func (d timeDest) Scan(src any) error {
	t, err := parseTime(src)
	if err != nil {
		return err
	}
	if t == nil {
		return fmt.Errorf("scan time: unexpected NULL")
	}
	*d.p = *t
	return nil
}

// nullTimeDest scans an optional time; NULL is nil.
type nullTimeDest struct{ p **time.Time }

// Scan implements sql.Scanner.
func (d nullTimeDest) Scan(src any) error {
	t, err := parseTime(src)
	if err != nil {
		return err
	}
	*d.p = t
	return nil
}

func parseTime(src any) (*time.Time, error) {
	var s string
	switch v := src.(type) {
	case nil:
		return nil, nil
	case time.Time:
		t := v.UTC()
		return &t, nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return nil, fmt.Errorf("scan time: unsupported type %T", src)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, fmt.Errorf("scan time: %w", err)
	}
	t = t.UTC()
	return &t, nil
}

// jsonDest scans JSON text into v; NULL leaves v as it is.
type jsonDest struct{ v any }

// Scan implements sql.Scanner.
func (d jsonDest) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("scan json: unsupported type %T", src)
	}
	if err := json.Unmarshal(b, d.v); err != nil {
		return fmt.Errorf("scan json into %T: %w", d.v, err)
	}
	return nil
}

// stringDest scans a text column that may be NULL; NULL is "".
type stringDest struct{ p *string }

// Scan implements sql.Scanner.
func (d stringDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.p = ""
	case string:
		*d.p = v
	case []byte:
		*d.p = string(v)
	default:
		return fmt.Errorf("scan string: unsupported type %T", src)
	}
	return nil
}
