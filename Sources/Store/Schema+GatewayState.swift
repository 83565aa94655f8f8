// Schema version 4: what the running gateway says about itself, for
// `pumpgw status` (which reads only the store): one row, rewritten at every
// gateway health tick (every 10 s) and at a clean stop.

extension Schema {
    static let version4 = """
        CREATE TABLE gateway_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            updated INTEGER NOT NULL,
            pid INTEGER NOT NULL,
            stopped INTEGER,
            feed_target TEXT NOT NULL,
            feed_state TEXT NOT NULL,
            feed_last_success INTEGER,
            feed_last_error TEXT,
            store_failure TEXT,
            store_failure_time INTEGER);
        """
}
