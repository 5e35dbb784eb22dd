package content

import (
	"strings"

	"github.com/kithnet/kith/internal/blob"
)

// TypeImage is the type of a standalone picture or album (payloads.md
// §11.5).
const TypeImage = "image"

// Limits of an image payload. 32 pictures with the longest captions and
// title fit in one payload.
const (
	MaxAlbumImages  = 32  // "images"
	MaxImageCaption = 400 // each of "captions"
	MaxAlbumTitle   = 200 // "title"
)

// Image is a picture or an album of pictures, each with an optional
// caption. Type "image".
type Image struct {
	Title string // "title": optional, at most MaxAlbumTitle bytes of free text
	// Images ("images") are the pictures' blob ids, in display order: 1 to
	// MaxAlbumImages, none zero; the same blob may appear twice.
	Images []blob.ID
	// Captions ("captions", optional) has exactly one text per image, ""
	// for an image without one, each at most MaxImageCaption bytes; it is
	// omitted when every caption is empty.
	Captions []string
}

// Type returns TypeImage.
func (*Image) Type() string { return TypeImage }

// Caption returns the caption of image i, "" when none.
func (m *Image) Caption(i int) string {
	if i < len(m.Captions) {
		return m.Captions[i]
	}
	return ""
}

func init() {
	register(TypeImage, &typeDef{
		fields: fieldNames{"title", "images", "captions"},
		read: func(r *fields) Payload {
			p := &Image{}
			p.Title = r.text("title", false)
			p.Images = idArray[blob.ID](r, "images", MaxAlbumImages)
			if p.Images == nil && r.err == nil {
				r.err = fieldErr(TypeImage, "images", "missing")
			}
			p.Captions = r.textArray("captions", MaxAlbumImages)
			if r.err == nil && p.Captions != nil && strings.Join(p.Captions, "") == "" {
				r.err = fieldErr(TypeImage, "captions", "every caption is empty: omit the field")
			}
			return p
		},
		check: func(p Payload) error {
			v := p.(*Image)
			if v == nil {
				return nilErr(TypeImage)
			}
			if len(v.Images) == 0 {
				return fieldErr(TypeImage, "images", "no image; an image entry needs at least one")
			}
			if len(v.Images) > MaxAlbumImages {
				return fieldErr(TypeImage, "images", "%d elements exceed the limit of %d", len(v.Images), MaxAlbumImages)
			}
			for i, id := range v.Images {
				if id.IsZero() {
					return fieldErr(TypeImage, "images", "element %d: all-zero id is not allowed", i)
				}
			}
			if err := checkText(TypeImage, "title", v.Title, MaxAlbumTitle); err != nil {
				return err
			}
			if len(v.Captions) > 0 && len(v.Captions) != len(v.Images) {
				return fieldErr(TypeImage, "captions", "%d captions for %d images: give one per image, \"\" for none", len(v.Captions), len(v.Images))
			}
			for i, c := range v.Captions {
				if err := checkText(TypeImage, "captions", c, MaxImageCaption); err != nil {
					err.(*Error).Msg = "element " + itoa(i) + ": " + err.(*Error).Msg
					return err
				}
			}
			return nil
		},
		marshal: func(p Payload) map[string]any {
			v := p.(*Image)
			m := map[string]any{"images": idList(v.Images)}
			if v.Title != "" {
				m["title"] = v.Title
			}
			if strings.Join(v.Captions, "") != "" {
				m["captions"] = v.Captions
			}
			return m
		},
		json: func(p Payload) map[string]any {
			v := p.(*Image)
			if v == nil {
				return nil
			}
			m := map[string]any{"type": TypeImage, "images": idStrings(v.Images)}
			if v.Title != "" {
				m["title"] = v.Title
			}
			if strings.Join(v.Captions, "") != "" {
				m["captions"] = v.Captions
			}
			return m
		},
	})
}
