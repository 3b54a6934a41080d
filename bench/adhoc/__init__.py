"""The ad-hoc news retrieval set: topics, needs, judgements and the pooling tool."""
