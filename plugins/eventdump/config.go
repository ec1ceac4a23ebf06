package eventdump

// config is every setting of eventdump.
type config struct {
	// output is the file the lines are appended to; "" means standard
	// error.
	output string
	// byteLengths reads the header's len as bytes, for servers other than
	// supervisord 4, which counts characters.
	byteLengths bool
}
