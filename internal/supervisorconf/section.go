package supervisorconf

// A Section is one [name] of a configuration with its keys, merged from
// every place that defined it, as supervisord's parser keeps it.
type Section struct {
	// Name is the text between the brackets, as written: "program:web".
	Name string
	// File is the file that first defined the section; Line is the line
	// of its header there.
	File string
	Line int

	keys  map[string]*Value
	order []string
}

// A Value is the text of a key as supervisord's parser holds it: the
// lines of a multi-line value joined with "\n", %(here)s already replaced
// when the configuration has an [include] section (supervisord replaces it
// then, before any other expansion). File and Line say where the key was
// written.
type Value struct {
	Text string
	File string
	Line int

	lines []string // while the file is read
}

func newSection(name, file string, line int) *Section {
	return &Section{Name: name, File: file, Line: line, keys: map[string]*Value{}}
}

// Keys returns the section's keys in the order they first appeared, in
// lower case as supervisord folds them.
func (s *Section) Keys() []string { return append([]string(nil), s.order...) }

// Lookup returns the value of key (any case) in this section alone.
func (s *Section) Lookup(key string) (*Value, bool) {
	v, ok := s.keys[foldKey(key)]
	return v, ok
}

// set stores a key, keeping its place if it was there already, as a
// Python dict does.
func (s *Section) set(key string, v *Value) {
	if _, ok := s.keys[key]; !ok {
		s.order = append(s.order, key)
	}
	s.keys[key] = v
}
