import Foundation
import GoalpostModel
import Logging
import PostgresNIO

/// Connections to one PostgreSQL database (postgres-nio's `PostgresClient`, a pool), from a connection URL
/// `postgres://USER:PASSWORD@HOST:PORT/DATABASE`. Outcomes with the same URL share it.
final class SQLConnectionPool: Sendable {
    let client: PostgresClient
    /// The URL without its password, for people.
    let location: String

    init(connection: String, logger: Logger) throws(PullSourceError) {
        guard let components = URLComponents(string: connection), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty else {
            throw PullSourceError("'\(Self.redact(connection))' is not a postgres://USER:PASSWORD@HOST:PORT/DATABASE URL")
        }
        if let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value, mode != "disable" {
            throw PullSourceError("sslmode=\(mode): only sslmode=disable is supported so far (connect over a trusted network or a local socket proxy)")
        }
        let user = components.user ?? "postgres"
        let database = components.path.count > 1 ? String(components.path.dropFirst()) : user
        var configuration = PostgresClient.Configuration(host: host, port: components.port ?? 5432, username: user,
                                                         password: components.password, database: database, tls: .disable)
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.maximumConnections = 4
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        location = Self.redact(connection)
    }

    func run() async { await client.run() }

    /// The URL with its password replaced by `***`.
    static func redact(_ connection: String) -> String {
        guard var components = URLComponents(string: connection), components.password != nil else { return connection }
        components.password = "***"
        return components.string ?? connection
    }
}

/// An outcome measured from business tables: its query returns one row per time bucket (a minute) and customer,
/// with the columns `bucket` (timestamp), `customer` (text; optional), `good` and `total` (numbers); any other
/// text column becomes an attribute for `dimensions`. `$1` and `$2` are bound to the start and end of the
/// minutes asked for (timestamptz, end excluded); nothing is ever interpolated into the SQL.
struct SQLTarget: PullTarget {
    var outcome: String
    var pool: SQLConnectionPool
    var query: String
    /// The attribute the customer column becomes (the outcome's `customers.attribute`).
    var customerLabel: String

    var kind: String { "sql" }
    var location: String { pool.location }

    static let minute: Int64 = 60_000_000_000

    func fetch(from: Int64, to: Int64) async throws -> [ExternalCounts] {
        // Minute ends from…to: the minutes [from − 1 min, to).
        let start = from - Self.minute
        var binds = PostgresBindings()
        binds.append(Date(timeIntervalSince1970: Double(start) / 1e9))
        binds.append(Date(timeIntervalSince1970: Double(to) / 1e9))
        let logger = Logger(label: "goalpost.sql")
        let rows = try await pool.client.query(PostgresQuery(unsafeSQL: query, binds: binds), logger: logger)
        var sums: [Key: (good: Double, total: Double)] = [:]
        for try await row in rows {
            let cells = row.makeRandomAccess()
            guard cells.contains("bucket"), cells.contains("good"), cells.contains("total") else {
                throw PullSourceError("the query must return the columns bucket, good and total (and customer); it returned \(row.map(\.columnName).joined(separator: ", "))")
            }
            let bucket = try cells["bucket"].decode(Date.self)
            let time = Int64((bucket.timeIntervalSince1970 * 1e3).rounded()) * 1_000_000
            guard time >= start, time < to else { continue }  // Rows outside the minutes asked for are not counted.
            var labels: [String: String] = [:]
            for cell in row where !["bucket", "good", "total"].contains(cell.columnName) {
                guard cell.bytes != nil, let text = try? cell.decode(String.self) else { continue }
                labels[cell.columnName == "customer" ? customerLabel : cell.columnName] = text
            }
            let minute = time - ((time % Self.minute) + Self.minute) % Self.minute
            let key = Key(minute: minute, labels: labels)
            let good = try Self.number(cells["good"]), total = try Self.number(cells["total"])
            let sum = sums[key] ?? (0, 0)
            sums[key] = (sum.good + good, sum.total + total)
        }
        let counts = sums.filter { $0.value.total > 0 }.map { key, value in
            ExternalCounts(timeUnixNano: key.minute + Self.minute / 2, labels: key.labels, good: min(max(value.good, 0), value.total), total: value.total)
        }
        return ExternalCounts.inTimeOrder(counts)
    }

    struct Key: Hashable {
        var minute: Int64
        var labels: [String: String]
    }

    /// A count column of any numeric type (`count(*)` is bigint, `sum` of bigint is numeric).
    static func number(_ cell: PostgresCell) throws -> Double {
        guard cell.bytes != nil else { return 0 }
        switch cell.dataType {
        case .int2: return Double(try cell.decode(Int16.self))
        case .int4: return Double(try cell.decode(Int32.self))
        case .int8: return Double(try cell.decode(Int64.self))
        case .float4: return Double(try cell.decode(Float.self))
        case .float8: return try cell.decode(Double.self)
        case .numeric:
            let text = "\(try cell.decode(Decimal.self))"
            guard let value = Double(text) else { throw PullSourceError("column \(cell.columnName): '\(text)' is not a number") }
            return value
        default:
            throw PullSourceError("column \(cell.columnName): expected a number, found PostgreSQL type \(cell.dataType)")
        }
    }
}
