package node

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kithnet/kith/internal/blob"
)

// ErrEmptyPost is the error of a post with neither text nor image.
var ErrEmptyPost = errors.New("nothing to post: write a text or attach an image")

// ErrBlobLocation matches (errors.Is) the error of publishing an entry that
// names a held blob carrying location metadata.
var ErrBlobLocation = errors.New("the blob carries location metadata")

// checkPost refuses a post with neither text (other than white space) nor
// image, and images that are not held or are no picture (see checkImage).
func (n *Node) checkPost(text string, images []blob.ID) error {
	if strings.TrimSpace(text) == "" && len(images) == 0 {
		return ErrEmptyPost
	}
	for _, id := range images {
		if err := n.checkImage("image", id); err != nil {
			return err
		}
	}
	return nil
}

// checkImage fails unless blob id is held and starts as a JPEG, PNG, GIF or
// WebP picture (blob.CheckImage), the formats a post or a profile shows;
// what names the field in the error. The error matches blob.ErrNotImage
// for a blob that is no picture.
func (n *Node) checkImage(what string, id blob.ID) error {
	ok, _, err := n.blobs.Has(id)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%s %s is not in this node's blob store; add it with 'kith blob add' first", what, id)
	}
	rc, _, err := n.blobs.Open(id)
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := blob.CheckImage(rc); err != nil {
		return fmt.Errorf("%s %s is %w", what, id, err)
	}
	return n.checkNoLocation(what, id)
}

// checkNoLocation fails with ErrBlobLocation when blob id is held and is a
// JPEG or PNG that carries location metadata, or cannot be checked for it
// (refuseLocation): every other node would refuse the blob, so that an
// entry naming it would point at nothing. A blob not held passes (it may
// be held elsewhere). what names the field.
func (n *Node) checkNoLocation(what string, id blob.ID) error {
	rc, _, err := n.blobs.Open(id)
	if errors.Is(err, blob.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := refuseLocation(rc); err != nil {
		why := fmt.Sprintf("%s %s: %v", what, id, err)
		if strings.HasPrefix(err.Error(), "image carries location metadata") {
			why = fmt.Sprintf("%s %s carries location metadata (GPS), which every other node refuses", what, id)
		}
		return &blobLocationError{why + ": give the file itself (--proof FILE, --image FILE, or 'kith blob add --publish FILE'), which removes it"}
	}
	return nil
}

// blobLocationError is checkNoLocation's error; it matches ErrBlobLocation.
type blobLocationError struct{ msg string }

func (e *blobLocationError) Error() string        { return e.msg }
func (e *blobLocationError) Is(target error) bool { return target == ErrBlobLocation }
