package restart

// Streaks counts failed checks in a row, per key (a process name, or
// httpok's URL), so that a plugin acts only once a failure has lasted.
// The zero value is not usable; call NewStreaks. A Streaks is meant for the
// event loop alone and is not safe for concurrent use.
type Streaks struct {
	need   int
	counts map[string]int
}

// NewStreaks returns Streaks that are due after need failures in a row
// (need < 1 counts as 1).
func NewStreaks(need int) *Streaks {
	return &Streaks{need: max(need, 1), counts: make(map[string]int)}
}

// Fail records a failed check for key and returns how many failed in a row,
// and whether that is enough to act. It stays due, and keeps counting,
// until Pass.
func (s *Streaks) Fail(key string) (count int, due bool) {
	s.counts[key]++
	n := s.counts[key]
	return n, n >= s.need
}

// Pass ends key's streak: after a successful check, or once the plugin has
// acted on it.
func (s *Streaks) Pass(key string) { delete(s.counts, key) }

// Count returns key's current streak.
func (s *Streaks) Count(key string) int { return s.counts[key] }

// Need returns how many failures in a row make a streak due.
func (s *Streaks) Need() int { return s.need }

// Retain forgets every key for which keep returns false, such as processes
// that no longer exist.
func (s *Streaks) Retain(keep func(key string) bool) {
	for k := range s.counts {
		if !keep(k) {
			delete(s.counts, k)
		}
	}
}
