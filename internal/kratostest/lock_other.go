//go:build !unix

package kratostest

import (
	"errors"
	"os"
	"time"
)

// lockFile takes an exclusive lock by creating path, waiting up to ten
// minutes (one Kratos build) for another holder to remove it.
func lockFile(path string) (func(), error) {
	deadline := time.Now().Add(10 * time.Minute)
	for {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			f.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, os.ErrExist) || time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(time.Second)
	}
}
