package node

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStoreBlobsDir: [store] blobs puts a home's blobs in the directory it
// names, so two homes (two hub processes on one PostgreSQL schema) that
// name one directory hold the same blobs; a relative path is refused,
// and without the setting the blobs are in the home's blobs/.
func TestStoreBlobsDir(t *testing.T) {
	dir := t.TempDir()
	shared := filepath.Join(dir, "shared-blobs")
	homes := []string{filepath.Join(dir, "one"), filepath.Join(dir, "two")}
	for _, h := range homes {
		if err := os.MkdirAll(h, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(h, ConfigFile), []byte("[store]\nblobs = \""+shared+"\"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	one, _, err := Init(homes[0], Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	two, _, err := Init(homes[1], Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer two.Close()
	if one.Blobs().Dir() != shared || two.Blobs().Dir() != shared {
		t.Fatalf("blob directories %s and %s, want %s", one.Blobs().Dir(), two.Blobs().Dir(), shared)
	}
	id, _, err := one.Blobs().Put(strings.NewReader("a photo, say"))
	if err != nil {
		t.Fatal(err)
	}
	if ok, size, err := two.Blobs().Has(id); err != nil || !ok || size != 12 {
		t.Fatalf("the other home has the blob: %v %d %v", ok, size, err)
	}
	if _, err := os.Stat(filepath.Join(homes[0], blobDir)); err == nil {
		t.Fatalf("%s/blobs exists, though [store] blobs names another directory", homes[0])
	}

	rel := filepath.Join(dir, "relative")
	if err := os.MkdirAll(rel, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rel, ConfigFile), []byte("[store]\nblobs = \"blobs-elsewhere\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if n, _, err := Init(rel, Options{}); err == nil || !strings.Contains(err.Error(), `[store] blobs = "blobs-elsewhere": give an absolute path`) {
		if n != nil {
			n.Close()
		}
		t.Fatalf("init with a relative blobs directory: %v", err)
	}

	plain := filepath.Join(dir, "plain")
	n, _, err := Init(plain, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	if n.Blobs().Dir() != filepath.Join(plain, blobDir) {
		t.Fatalf("default blob directory %s", n.Blobs().Dir())
	}
}
