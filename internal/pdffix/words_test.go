package pdffix

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func TestPageList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pages []int
		total int
		want  string
	}{
		{[]int{3}, 10, "page 3"},
		{[]int{2, 3}, 10, "pages 2–3"},
		{[]int{1, 4, 7, 8, 9}, 10, "pages 1, 4 and 7–9"},
		{[]int{1, 3}, 10, "pages 1 and 3"},
		{[]int{1, 2}, 2, "both pages"},
		{[]int{1, 2, 3}, 3, "all 3 pages"},
		{[]int{1}, 1, "page 1"},
	}
	for _, tt := range tests {
		if got := pageList(tt.pages, tt.total); got != tt.want {
			t.Errorf("pageList(%v, %d) = %q, want %q", tt.pages, tt.total, got, tt.want)
		}
	}
}

// TestUnknownRule: a misspelt rule is an error, before the file is read.
func TestUnknownRule(t *testing.T) {
	t.Parallel()
	file := designPDF(t, [4]float64{0, 0, 400, 600}, 1)
	var out bytes.Buffer
	_, err := Apply(context.Background(), bytes.NewReader(file), int64(len(file)), whole, Options{Rules: []string{"bleeds"}}, &out)
	if err == nil || errors.Is(err, ErrNotFixable) || out.Len() != 0 {
		t.Errorf("Apply with rule \"bleeds\": %v, %d bytes written; want an error of its own and nothing", err, out.Len())
	}
}
