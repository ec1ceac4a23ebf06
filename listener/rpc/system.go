package rpc

import "context"

// ListMethods returns the name of every method the server offers, sorted
// (system.listMethods).
func (c *Client) ListMethods(ctx context.Context) ([]string, error) {
	var names []string
	err := c.call(ctx, false, "system.listMethods", &names)
	return names, err
}

// MethodHelp returns a method's documentation (system.methodHelp). An
// unknown method gives ErrSignatureUnsupported.
func (c *Client) MethodHelp(ctx context.Context, method string) (string, error) {
	return c.callString(ctx, "system.methodHelp", method)
}

// MethodSignature returns a method's return type followed by its parameter
// types, for example ["struct", "string"] (system.methodSignature).
func (c *Client) MethodSignature(ctx context.Context, method string) ([]string, error) {
	var sig []string
	err := c.call(ctx, false, "system.methodSignature", &sig, method)
	return sig, err
}
