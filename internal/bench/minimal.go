package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// minimal is the protocol by hand in Go and nothing more, as a program
// without the SDK speaks it: read the header line, read len code points,
// answer OK together with the next READY.
func minimal(stdin io.Reader, stdout io.Writer) error {
	in := bufio.NewReaderSize(stdin, 64<<10)
	if _, err := io.WriteString(stdout, "READY\n"); err != nil {
		return err
	}
	answer := []byte("RESULT 2\nOKREADY\n")
	for {
		line, err := in.ReadSlice('\n')
		if err == io.EOF && len(line) == 0 {
			return nil
		}
		if err != nil {
			return err
		}
		i := bytes.LastIndex(line, []byte(" len:"))
		if i < 0 {
			return fmt.Errorf("no len in %q", line)
		}
		n, err := strconv.Atoi(string(line[i+5 : len(line)-1]))
		if err != nil {
			return err
		}
		for ; n > 0; n-- {
			if _, _, err := in.ReadRune(); err != nil {
				return err
			}
		}
		if _, err := stdout.Write(answer); err != nil {
			return err
		}
	}
}
