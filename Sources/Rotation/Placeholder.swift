// Placeholder until this layer lands; the layer's owner deletes it.
