package supervisorconf

// reader reads the keys of one section as supervisord's get() does: the
// value or a default, expanded with expansions, then converted. The first
// error sticks; later reads return zero values, so that a section reads
// as a list of assignments followed by one check of err.
type reader struct {
	c          *Config
	s          *Section
	expansions map[string]any
	err        error
}

// get returns the expanded value of key, or of def when the section has
// none (supervisord expands a default too); false when it has none and
// def is nil.
func (r *reader) get(key string, def *string) (string, bool) {
	if r.err != nil {
		return "", false
	}
	v, ok := r.c.lookup(r.s, key)
	text := ""
	switch {
	case ok:
		text = v.Text
	case def != nil:
		text = *def
	default:
		return "", false
	}
	out, err := r.c.expand(text, r.expansions, r.s.Name+"."+key)
	if err != nil {
		r.fail(key, err, "")
		return "", false
	}
	return out, true
}

// must is get with a default.
func (r *reader) must(key, def string) string {
	v, _ := r.get(key, &def)
	return v
}

// fail records err for key, placed where the key was written.
func (r *reader) fail(key string, err error, fix string) {
	if r.err == nil {
		v, _ := r.c.lookup(r.s, key)
		r.err = r.c.valueError(r.s, key, v, err, fix)
	}
}

func (r *reader) integer(key, def, fix string) int {
	v := r.must(key, def)
	if r.err != nil {
		return 0
	}
	n, err := integer(v)
	if err != nil {
		r.fail(key, err, fix)
	}
	return n
}

func (r *reader) boolean(key, def string) bool {
	v := r.must(key, def)
	if r.err != nil {
		return false
	}
	b, err := boolean(v)
	if err != nil {
		r.fail(key, err, "write true or false")
	}
	return b
}

func (r *reader) byteSize(key, def string) int64 {
	v := r.must(key, def)
	if r.err != nil {
		return 0
	}
	n, err := byteSize(v)
	if err != nil {
		r.fail(key, err, "write a number of bytes, optionally followed by KB, MB or GB")
	}
	return n
}

func (r *reader) octal(key, def string) int {
	v := r.must(key, def)
	if r.err != nil {
		return 0
	}
	n, err := octalType(v)
	if err != nil {
		r.fail(key, err, "write an octal number such as 022")
	}
	return n
}

// path is a file whose directory must exist.
func (r *reader) path(key, def string) string {
	return r.convertString(key, r.must(key, def), r.c.existingDirpath, "create the directory or name another")
}

// convertString converts an already read value.
func (r *reader) convertString(key, v string, conv func(string) (string, error), fix string) string {
	if r.err != nil {
		return ""
	}
	out, err := conv(v)
	if err != nil {
		r.fail(key, err, fix)
	}
	return out
}
