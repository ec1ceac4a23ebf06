// Package xmlrpc is the wire format of supervisord's XML-RPC server, for
// the harness's fake one: DecodeCall reads a methodCall as supervisord's
// parser accepts it, and EncodeResponse and EncodeFault write the answer
// byte for byte as Python's xmlrpclib writes it (one element per line,
// only &, < and > escaped, struct members in insertion order), which the
// harness's tests check against responses captured from supervisord 4.2.5.
//
// It does not use github.com/kolo/xmlrpc, the project's XML-RPC library,
// because that library is a client: it exports EncodeMethodCall and a
// methodResponse decoder, and neither of the two halves a server needs.
// Its unexported encoder would not do either: it writes no newlines,
// escapes quotes and control characters, and writes a map's members in
// Go's random order.
//
// The map of the package:
//
//	decode.go  DecodeCall and ErrBadRequest
//	encode.go  EncodeResponse and EncodeFault
//	struct.go  Struct, a struct whose members keep their order
package xmlrpc
