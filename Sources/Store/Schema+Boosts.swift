// Schema version 6: intensive monitoring. `boosts` holds the requests that
// `pumpgw boost` and raised rules put there (the daemon reads the active
// ones once a second, BoostTable.swift); `boost_events` every start and end
// of a device's boost.
//
// Before this step the two tables were created outside the numbered steps,
// with IF NOT EXISTS, by whoever opened the boosts first. A file made that
// way is at version 5 with the tables already there, so this step keeps the
// IF NOT EXISTS: it takes both that file and a plain version 5 file to 6,
// keeping the rows of the first.

extension Schema {
    static let version6 = """
        CREATE TABLE IF NOT EXISTS boosts (
            id INTEGER PRIMARY KEY,
            station TEXT NOT NULL, device TEXT,
            interval_ms INTEGER NOT NULL,
            created INTEGER NOT NULL, until INTEGER NOT NULL,
            reason TEXT NOT NULL, source TEXT NOT NULL, history TEXT NOT NULL,
            cancelled INTEGER);
        CREATE INDEX IF NOT EXISTS boosts_by_until ON boosts (until);
        CREATE TABLE IF NOT EXISTS boost_events (
            id INTEGER PRIMARY KEY,
            time INTEGER NOT NULL, state TEXT NOT NULL,
            station TEXT NOT NULL, device TEXT NOT NULL,
            interval_ms INTEGER NOT NULL, until INTEGER NOT NULL,
            reason TEXT NOT NULL, source TEXT NOT NULL);
        """
}
