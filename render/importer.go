package render

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	jsonnet "github.com/google/go-jsonnet"
)

// noImporter refuses every import, as Kratos's sandbox does, with Kratos's message.
type noImporter struct{}

func (noImporter) Import(_, importedPath string) (jsonnet.Contents, string, error) {
	return jsonnet.Contents{}, "", fmt.Errorf("import not available %v", importedPath)
}

// dirImporter serves imports from one directory and nothing outside it. Reads go
// through os.Root, which also refuses symlinks that lead out of the directory.
// One dirImporter serves all pooled VMs of a template, hence the lock; contents are
// cached for the template's lifetime because go-jsonnet requires the same Contents
// for the same path every time (and re-reading per evaluation would be wasted work).
type dirImporter struct {
	dir string // absolute, cleaned

	mu    sync.Mutex
	cache map[string]jsonnet.Contents // by foundAt
}

func newDirImporter(dir string) (*dirImporter, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("render: import directory: %w", err)
	}
	if fi, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("render: import directory: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("render: import directory %s is not a directory", abs)
	}
	return &dirImporter{dir: abs, cache: make(map[string]jsonnet.Contents)}, nil
}

// Import resolves importedPath against the importing file's directory when that file
// is itself inside the import directory (a nested import), and against the import
// directory otherwise (an import written in the template).
func (d *dirImporter) Import(importedFrom, importedPath string) (jsonnet.Contents, string, error) {
	var target string
	switch {
	case filepath.IsAbs(importedPath):
		target = filepath.Clean(importedPath)
	case d.inside(importedFrom):
		target = filepath.Join(filepath.Dir(importedFrom), importedPath)
	default:
		target = filepath.Join(d.dir, importedPath)
	}
	rel, err := filepath.Rel(d.dir, target)
	if err != nil || !filepath.IsLocal(rel) {
		return jsonnet.Contents{}, "", fmt.Errorf("import not available %v: outside the import directory", importedPath)
	}
	foundAt := filepath.Join(d.dir, rel)

	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.cache[foundAt]; ok {
		return c, foundAt, nil
	}
	b, err := d.readFile(rel)
	if err != nil {
		// The error names only the path relative to the import directory.
		return jsonnet.Contents{}, "", fmt.Errorf("import not available %v: %w", importedPath, unwrapPathError(err))
	}
	c := jsonnet.MakeContentsRaw(b)
	d.cache[foundAt] = c
	return c, foundAt, nil
}

// readFile reads rel through an os.Root opened for this one read (a miss is rare:
// contents are cached), so no descriptor stays open for the template's lifetime.
func (d *dirImporter) readFile(rel string) ([]byte, error) {
	root, err := os.OpenRoot(d.dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.ReadFile(rel)
}

func (d *dirImporter) inside(path string) bool {
	if !filepath.IsAbs(path) {
		return false
	}
	rel, err := filepath.Rel(d.dir, path)
	return err == nil && filepath.IsLocal(rel)
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
