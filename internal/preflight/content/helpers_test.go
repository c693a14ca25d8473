package content

import (
	"fmt"
	"strconv"
)

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', 6, 64) }
func sprint(o any) string   { return fmt.Sprintf("%+v", o) }
