package kratostest

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
)

// StartShared starts a Kratos that outlives any one test, for a package's
// TestMain to share among its tests (starting Kratos costs about a second,
// building it minutes). The caller must call Stop. Logs go to the standard
// logger; on failure the error carries Kratos's log.
func StartShared(opt Options) (*Kratos, error) {
	bin := os.Getenv("KRATOS_BIN")
	if bin == "" {
		var err error
		if bin, _, err = ensureBinary(); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp("", "kratostest-")
	if err != nil {
		return nil, err
	}
	schemaPath := filepath.Join(dir, "identity.schema.json")
	if err := os.WriteFile(schemaPath, identitySchema, 0o644); err != nil {
		return nil, err
	}
	if opt.UIBaseURL == "" {
		opt.UIBaseURL = DefaultUIBaseURL
	}
	var extraPath string
	if opt.ExtraConfig != "" {
		extraPath = filepath.Join(dir, "extra.yaml")
		if err := os.WriteFile(extraPath, []byte(opt.ExtraConfig), 0o644); err != nil {
			return nil, err
		}
	}
	k, err := startRetrying(bin, dir, schemaPath, extraPath, opt, log.Printf)
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("kratostest: %w", err)
	}
	k.sharedDir = dir
	return k, nil
}

// Stop ends a Kratos from StartShared and removes its directory.
func (k *Kratos) Stop() {
	k.proc.stop()
	if k.sharedDir != "" {
		os.RemoveAll(k.sharedDir)
	}
}
