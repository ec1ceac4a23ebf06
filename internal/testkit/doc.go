// Package testkit is golance's test support, in one place, for the tests
// of every package: what they share to read plugins' logs, and (in its
// subpackages) the pieces that stand in for the world a listener lives
// in.
package testkit
