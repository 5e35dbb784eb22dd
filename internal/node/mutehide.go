package node

import "context"

// feedRelations is ownRelations with the devices of muted accounts among
// the blocked keys: what feeds, threads and counts leave out. Muting
// changes nothing else (replication, messages, blocks): payloads.md §11.4.
func (n *Node) feedRelations(ctx context.Context) (relations, error) {
	rel, err := n.ownRelations(ctx)
	if err != nil {
		return relations{}, err
	}
	muted, err := n.Muted(ctx)
	if err != nil {
		return relations{}, err
	}
	for _, a := range muted {
		keys, err := n.keysOf(ctx, a)
		if err != nil {
			return relations{}, err
		}
		for _, k := range keys {
			rel.blocked[k] = true
		}
	}
	return rel, nil
}
