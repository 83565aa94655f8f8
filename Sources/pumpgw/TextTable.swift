// Rows as left-aligned columns two spaces apart, for the tables people read
// (`read`, `status`). The last column is not padded (no trailing spaces).

enum TextTable {
    static func lines(_ rows: [[String]]) -> [String] {
        let count = rows.map(\.count).max() ?? 0
        let widths = (0..<count).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { cells in
            cells.enumerated().map { column, cell in
                column == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
        }
    }

    static func lines(header: [String], rows: [[String]]) -> [String] { lines([header] + rows) }

    static func text(_ rows: [[String]]) -> String { lines(rows).joined(separator: "\n") }
}
