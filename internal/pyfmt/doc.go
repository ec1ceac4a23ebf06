// Package pyfmt does what supervisord's Python does to text, byte for
// byte, for the places where golance must say or read the same thing:
// repr() of a str or bytes (in fault strings, spawn errors and undecodable
// output), the % operator with a mapping (supervisord's %(name)s
// expansions), int() of a str or bytes, and str.isspace and str.strip.
//
// The reference is CPython 3.11, which Debian's supervisord 4.2.5 runs; the
// tests run /usr/bin/python3 on the same inputs and compare. Go's unicode
// tables are a version ahead of CPython 3.11's (Unicode 15.0 against
// 14.0), so the code points Unicode 15.0 assigned are treated as CPython
// 3.11 treats them: unassigned.
//
// The map of the package:
//
//	repr.go    Repr, ASCII and ReprBytes: repr() and ascii() of a str, repr() of bytes
//	format.go  Format: format % mapping, with every conversion Python has
//	int.go     Atoi, ParseInt and AtoiBytes: int() of a str (in base 10 or another) and of bytes
//	space.go   IsSpace and TrimSpace: str.isspace and str.strip()
//	unicode.go what CPython 3.11 calls printable and decimal
//	error.go   Error: the exception Python raises, with its type and text
package pyfmt
