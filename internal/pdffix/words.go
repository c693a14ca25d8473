package pdffix

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// pageList names pages for a customer: "page 3", "pages 2–3",
// "pages 1, 4 and 7–9", "both pages", "all 12 pages". pages are
// ascending.
func pageList(pages []int, total int) string {
	if len(pages) == total && total == 2 {
		return "both pages"
	}
	if len(pages) == total && total > 2 {
		return fmt.Sprintf("all %d pages", total)
	}
	switch len(pages) {
	case 0:
		return "no pages"
	case 1:
		return fmt.Sprintf("page %d", pages[0])
	}
	var runs []string
	for i := 0; i < len(pages); {
		j := i
		for j+1 < len(pages) && pages[j+1] == pages[j]+1 {
			j++
		}
		if j > i {
			runs = append(runs, fmt.Sprintf("%d–%d", pages[i], pages[j]))
		} else {
			runs = append(runs, fmt.Sprint(pages[i]))
		}
		i = j + 1
	}
	if len(runs) == 1 {
		return "pages " + runs[0]
	}
	return "pages " + strings.Join(runs[:len(runs)-1], ", ") + " and " + runs[len(runs)-1]
}

// upperFirst capitalises the first letter of s.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// skips collects the pages a fix was skipped on, by why, in the order the
// reasons first came up.
type skips struct {
	whys  []string
	pages map[string][]int
}

func (s *skips) add(why string, page int) {
	if s.pages == nil {
		s.pages = map[string][]int{}
	}
	if _, ok := s.pages[why]; !ok {
		s.whys = append(s.whys, why)
	}
	s.pages[why] = append(s.pages[why], page)
}

// report records the skips of rule's fix code.
func (s *skips) report(f *fixer, rule, code string) {
	for _, why := range s.whys {
		f.skipped(rule, code, s.pages[why], why)
	}
}
