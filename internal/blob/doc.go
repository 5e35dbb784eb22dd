// Package blob is kith's store for blobs: content-addressed bytes too large
// for an entry (images, files), named by the SHA-256 of their contents. See
// doc/protocol/blob.md.
//
// A Store keeps each blob as one file under a directory, writes it through a
// temporary file that is hashed while it streams in, synced and renamed into
// place (so a partial write never appears under a blob's name), refuses blobs
// over a configurable size limit, and verifies the hash again whenever a blob
// is read back.
//
// StripLocation and HasLocation deal with location metadata in images: JPEG
// and PNG files are parsed as a stream, with bounded memory, to remove EXIF
// and XMP metadata before an image is published, and to find GPS data in an
// image received from someone else so that it can be refused.
//
// The package depends on the standard library and internal/identity only.
package blob
