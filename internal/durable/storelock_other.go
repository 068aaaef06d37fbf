//go:build !unix

package durable

import "os"

// lockStore only creates the directory where advisory locks are not
// available: there, keep to one process per store by configuration.
func lockStore(dir string) (func(), error) {
	return func() {}, os.MkdirAll(dir, 0o700)
}
