package rpc

// WrappedMethods lets the integration tests (package rpc_test) check the
// typed API against a real supervisord's system.listMethods.
var WrappedMethods = wrappedMethods
