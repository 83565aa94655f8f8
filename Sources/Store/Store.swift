// The local SQLite store: latest values, history, alarm events and active
// alarms, and the feed outbox, in one WAL-mode database with one writer.
// (Being built: see the store issue.)
