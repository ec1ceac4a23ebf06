package rpc

import (
	"reflect"
	"strings"
	"unicode/utf8"
)

// supervisord writes strings into its XML untouched apart from &, < and >,
// so log text with an ANSI colour code or a bell character arrives as bytes
// XML 1.0 forbids, and encoding/xml rejects the whole response. Before
// decoding, each forbidden character is swapped for a private-use stand-in
// that XML allows, and the decoded strings are swapped back. A carriage
// return is legal but would be folded into a newline, so it becomes the
// reference &#13;, which survives decoding as itself.
//
// The stand-ins are U+10FF00..U+10FF1F for the C0 controls and
// U+10FFFE/U+10FFFF for U+FFFE/U+FFFF. In the unlikely case that a
// response needs escaping and already holds a stand-in, forbidden
// characters become U+FFFD instead and nothing is swapped back, so the
// stand-ins already present are not mistaken for controls.
const standInBase = 0x10FF00

// escapeControls returns body made acceptable to encoding/xml and whether
// decoded strings must go through restoreControls.
func escapeControls(body []byte) ([]byte, bool) {
	if !needsEscape(body) {
		return body, false
	}
	lossy := hasStandIn(body)
	out := make([]byte, 0, len(body)+64)
	for i := 0; i < len(body); {
		r, size := utf8.DecodeRune(body[i:])
		switch {
		case r == '\r':
			out = append(out, "&#13;"...)
		case forbidden(r) && lossy:
			out = utf8.AppendRune(out, utf8.RuneError)
		case forbidden(r):
			out = utf8.AppendRune(out, standIn(r))
		default:
			out = append(out, body[i:i+size]...)
		}
		i += size
	}
	return out, !lossy
}

func needsEscape(body []byte) bool {
	for i, b := range body {
		if b < 0x20 && b != '\t' && b != '\n' {
			return true
		}
		// U+FFFE and U+FFFF are EF BF BE and EF BF BF.
		if b == 0xEF && i+2 < len(body) && body[i+1] == 0xBF && body[i+2] >= 0xBE {
			return true
		}
	}
	return false
}

// forbidden reports whether r is outside XML 1.0's Char production. Invalid
// UTF-8 is left for the decoder to report.
func forbidden(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF
}

func standIn(r rune) rune {
	if r < 0x20 {
		return standInBase + r
	}
	return 0x100000 + r // U+FFFE -> U+10FFFE, U+FFFF -> U+10FFFF
}

func isStandIn(r rune) bool {
	return r >= standInBase && r < standInBase+0x20 || r == 0x10FFFE || r == 0x10FFFF
}

func hasStandIn(body []byte) bool {
	// Every stand-in starts with F4 8F (U+10C000..U+10FFFF); check those
	// positions only.
	for i := 0; i+3 < len(body); i++ {
		if body[i] == 0xF4 && body[i+1] == 0x8F {
			if r, _ := utf8.DecodeRune(body[i:]); isStandIn(r) {
				return true
			}
		}
	}
	return false
}

// restoreString undoes escapeControls on one string.
func restoreString(s string, restore bool) string {
	if !restore || !strings.ContainsFunc(s, isStandIn) {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= standInBase && r < standInBase+0x20:
			return r - standInBase
		case r == 0x10FFFE || r == 0x10FFFF:
			return r - 0x100000
		}
		return r
	}, s)
}

// restoreControls undoes escapeControls on every string reachable from v.
func restoreControls(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			restoreControls(v.Elem())
		}
	case reflect.Interface:
		if v.IsNil() || !v.CanSet() {
			return
		}
		cp := reflect.New(v.Elem().Type()).Elem()
		cp.Set(v.Elem())
		restoreControls(cp)
		v.Set(cp)
	case reflect.String:
		if v.CanSet() {
			v.SetString(restoreString(v.String(), true))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			restoreControls(v.Field(i))
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			restoreControls(v.Index(i))
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			cp := reflect.New(iter.Value().Type()).Elem()
			cp.Set(iter.Value())
			restoreControls(cp)
			v.SetMapIndex(iter.Key(), cp)
		}
	}
}

// fillEmpty replaces nil with "" in the generic parts of a decoded value
// (interfaces, []any, map[string]any). The XML-RPC decoder leaves an
// interface nil for an empty <string></string>, and supervisord never
// sends a nil, so nil there always stands for "". Typed struct fields are
// left alone: there nil means the member was absent.
func fillEmpty(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			fillEmpty(v.Elem())
		}
	case reflect.Interface:
		if v.IsNil() {
			if v.CanSet() && v.Type().NumMethod() == 0 {
				v.Set(reflect.ValueOf(""))
			}
			return
		}
		switch e := v.Elem(); e.Kind() {
		case reflect.Slice, reflect.Map:
			fillEmpty(e) // shares storage with the interface's value
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Interface || v.Type().Elem().Kind() == reflect.Map ||
			v.Type().Elem().Kind() == reflect.Slice {
			for i := range v.Len() {
				fillEmpty(v.Index(i))
			}
		}
	case reflect.Map:
		if v.Type().Elem().Kind() != reflect.Interface {
			return
		}
		iter := v.MapRange()
		for iter.Next() {
			if iter.Value().IsNil() {
				v.SetMapIndex(iter.Key(), reflect.ValueOf(""))
				continue
			}
			cp := reflect.New(iter.Value().Type()).Elem()
			cp.Set(iter.Value())
			fillEmpty(cp)
		}
	}
}
