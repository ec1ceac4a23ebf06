package supervisorconf

// A runeSet is the [...] of a shell pattern, as Python's fnmatch
// translates it into a regular expression: single characters and ranges,
// negated by a leading !. An empty range such as z-a is dropped with both
// its ends, as fnmatch drops it.
type runeSet struct {
	negated bool
	ranges  [][2]rune
}

func (s runeSet) contains(r rune) bool {
	for _, rg := range s.ranges {
		if r >= rg[0] && r <= rg[1] {
			return !s.negated
		}
	}
	return s.negated
}

// parseSet reads what is between [ and ]: fnmatch.translate's chunks
// (split at the hyphens that make ranges), its removal of empty ranges,
// then the regular expression set it writes, read as re reads it.
func parseSet(stuff []rune) runeSet {
	var set runeSet
	if len(stuff) > 0 && stuff[0] == '!' {
		set.negated, stuff = true, stuff[1:]
	}
	var chunks [][]rune
	i, k := 0, 1
	for {
		k = indexRune(stuff, '-', k)
		if k < 0 {
			break
		}
		chunks = append(chunks, stuff[i:k])
		i, k = k+1, k+3
	}
	if chunk := stuff[i:]; len(chunk) > 0 {
		chunks = append(chunks, chunk)
	} else if len(chunks) > 0 {
		chunks[len(chunks)-1] = append(append([]rune(nil), chunks[len(chunks)-1]...), '-')
	}
	for k := len(chunks) - 1; k > 0; k-- {
		a, b := chunks[k-1], chunks[k]
		if len(a) > 0 && len(b) > 0 && a[len(a)-1] > b[0] {
			chunks[k-1] = append(append([]rune(nil), a[:len(a)-1]...), b[1:]...)
			chunks = append(chunks[:k], chunks[k+1:]...)
		}
	}
	// The expression is the chunks joined by range-making hyphens, every
	// character in a chunk a literal one.
	type token struct {
		r    rune
		dash bool // a hyphen between chunks
	}
	var toks []token
	for n, chunk := range chunks {
		if n > 0 {
			toks = append(toks, token{r: '-', dash: true})
		}
		for _, r := range chunk {
			toks = append(toks, token{r: r})
		}
	}
	for i := 0; i < len(toks); i++ {
		lo := toks[i].r
		if i+2 < len(toks) && toks[i+1].dash {
			if hi := toks[i+2].r; hi >= lo {
				set.ranges = append(set.ranges, [2]rune{lo, hi})
			}
			i += 2
			continue
		}
		if i+1 < len(toks) && toks[i+1].dash {
			// A range-making hyphen at the end is a hyphen.
			set.ranges = append(set.ranges, [2]rune{lo, lo}, [2]rune{'-', '-'})
			i++
			continue
		}
		set.ranges = append(set.ranges, [2]rune{lo, lo})
	}
	return set
}

func indexRune(s []rune, r rune, from int) int {
	for i := from; i < len(s); i++ {
		if s[i] == r {
			return i
		}
	}
	return -1
}
