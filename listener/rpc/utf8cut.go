package rpc

import (
	"errors"
	"net/http"
)

// supervisord decodes the bytes it reads from a log file as UTF-8 before
// answering, and fails with HTTP 500 when the place its read starts or ends
// falls inside a character (supervisord 4.2.5, verified). The log methods
// of Client therefore retry such a read with its cut moved by one byte, up
// to cutRetries times: one of four consecutive cuts falls between
// characters. A log that holds bytes that are not UTF-8 at all still fails.
const cutRetries = 3

func isServerError(err error) bool {
	var s *StatusError
	return errors.As(err, &s) && s.StatusCode == http.StatusInternalServerError
}

// readCut calls read(offset, length) and, while supervisord fails with HTTP
// 500, again with a cut that starts or ends up to three bytes later or
// earlier:
//
//   - a read of the last -offset bytes (offset < 0, length 0) starts later;
//   - a read of length bytes (length > 0) ends earlier;
//   - a read from offset to the end, which starts where the caller asked,
//     is not retried.
func readCut[T any](offset, length int, read func(offset, length int) (T, error)) (T, error) {
	v, err := read(offset, length)
	for i := 1; i <= cutRetries && isServerError(err); i++ {
		switch {
		case offset < 0 && length == 0 && offset+i < 0:
			v, err = read(offset+i, length)
		case length > 0 && length-i > 0:
			v, err = read(offset, length-i)
		default:
			return v, err
		}
	}
	return v, err
}
