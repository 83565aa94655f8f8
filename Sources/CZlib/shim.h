// zlib (Debian zlib1g-dev): deflate for the feed outbox's lines (Store/OutboxText.swift).
#include <zlib.h>
