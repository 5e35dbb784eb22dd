package api_test

import (
	"bytes"
	"testing"

	"github.com/kithnet/kith/internal/api/wire"
	"github.com/kithnet/kith/internal/blob"
	"github.com/kithnet/kith/internal/content"
)

func TestCollectionEndpoints(t *testing.T) {
	f := newFixture(t)
	add := func(data []byte, publish bool) blob.ID {
		path := "/api/v1/blobs"
		if publish {
			path += "?publish=true"
		}
		resp, b := f.request("POST", path, bytes.NewReader(data), "Content-Type", "application/octet-stream")
		if resp.StatusCode != 200 {
			t.Fatalf("add blob: %d %s", resp.StatusCode, b)
		}
		var added wire.BlobAdded
		mustJSON(t, b, &added)
		id, err := blob.ParseID(added.ID)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	file := add([]byte("hello"), true)
	sub, err := content.EncodeTree([]content.TreeEntry{{Kind: content.TreeFile, Name: "hello.txt", Size: 5, ID: file}})
	if err != nil {
		t.Fatal(err)
	}
	subID := add(sub, false)
	root, err := content.EncodeTree([]content.TreeEntry{{Kind: content.TreeDir, Name: "docs", Size: 5, ID: subID}})
	if err != nil {
		t.Fatal(err)
	}
	rootID := add(root, false)
	var pub wire.CollectionPublished
	f.call("POST", "/api/v1/collections", wire.CollectionRequest{Name: "Docs", Root: rootID.String()}, &pub)
	if pub.Files != 1 || pub.Size != 5 {
		t.Fatalf("published %+v", pub)
	}
	var l wire.CollectionListing
	f.call("GET", "/api/v1/collections/"+pub.ID+"?path=docs", nil, &l)
	if len(l.Entries) != 1 || l.Entries[0] != (wire.TreeEntry{Name: "hello.txt", Kind: "file", Size: 5, Blob: file.String(), Held: true}) {
		t.Fatalf("listing %+v", l)
	}
	var page wire.CollectionPage
	f.call("GET", "/api/v1/collections", nil, &page)
	if len(page.Collections) != 1 || page.Collections[0].Name != "Docs" || !page.Collections[0].Mine {
		t.Fatalf("collections %+v", page)
	}
	var fetched wire.BlobFetched
	f.call("POST", "/api/v1/blobs/"+file.String()+"/fetch", nil, &fetched)
	if fetched.Size != 5 {
		t.Fatalf("fetched %+v", fetched)
	}
	f.expectError("POST", "/api/v1/blobs/"+blob.Sum([]byte("elsewhere")).String()+"/fetch", "", 409, wire.CodeNotServing, "fetching it needs the network")
	f.expectError("GET", "/api/v1/collections/"+pub.ID+"?path=../x", "", 400, wire.CodeBadRequest, "would leave the directory")
	// A tree naming a file this node does not hold is not published.
	bad, _ := content.EncodeTree([]content.TreeEntry{{Kind: content.TreeFile, Name: "gone", Size: 1, ID: blob.Sum([]byte("gone"))}})
	badID := add(bad, false)
	f.expectError("POST", "/api/v1/collections", `{"name":"x","root":"`+badID.String()+`"}`, 404, wire.CodeNotFound, "store every file before publishing")
	// A root that is no tree is refused as bad input.
	f.expectError("POST", "/api/v1/collections", `{"name":"x","root":"`+file.String()+`"}`, 400, wire.CodeBadRequest, "not a valid collection tree")
}
