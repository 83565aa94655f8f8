// HTTP sinks: InfluxDB 1.x `/write`, InfluxDB 2.x/3.x `/api/v2/write` and
// VictoriaMetrics `/write`. Credentials travel in the Authorization header
// only, never in the URL or a log line, and never to another origin:
// redirects are not followed (a 3xx is a configuration error), and at most
// `replyLimit` bytes of a reply body are read. Both `http://` and `https://`
// go over a connection of the sink's own (BoundedHTTP), so the bounds are exact.

import Foundation

/// How the HTTP sink authenticates.
public enum HTTPCredentials: Sendable, Equatable {
    case none
    /// InfluxDB 1.x user and password (HTTP basic).
    case basic(user: String, password: String)
    /// InfluxDB 2.x/3.x API token (`Authorization: Token ...`).
    case token(String)
}

public final class HTTPSink: FeedSink {
    /// The full write URL, with `precision=` set; carries no credentials.
    public let url: URL
    private let credentials: HTTPCredentials
    private let timeout: Double
    /// For `https://`: the TLS context, or why it could not be made (a CA file OpenSSL cannot read).
    private let tls: Result<TLSContext, SocketFailure>?
    /// Blocking socket calls run here, off the cooperative pool.
    private let queue = DispatchQueue(label: "pumpgw.feed.http")

    /// The most of a reply body read: enough for InfluxDB's error message.
    public static let replyLimit = 4096

    /// `timeout` bounds each request (connect, TLS handshake, send and
    /// answer), in seconds. `caFile`: for `https://`, a PEM file of the CAs to
    /// trust instead of the system's (SSL_CERT_FILE: a private CA).
    public init(url: URL, credentials: HTTPCredentials, timeout: Double = 10, caFile: String? = nil) {
        self.url = url
        self.credentials = credentials
        self.timeout = timeout
        if url.scheme == "https" {
            do throws(SocketFailure) {
                tls = .success(try TLSContext(caFile: caFile))
            } catch {
                tls = .failure(error)
            }
        } else {
            tls = nil
        }
    }

    public var target: String { url.absoluteString }

    public func write(_ lines: [String]) async -> SinkResult {
        var headers = [("Content-Type", "text/plain; charset=utf-8")]
        switch credentials {
        case .none: break
        case .basic(let user, let password):
            headers.append(("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()))
        case .token(let token):
            headers.append(("Authorization", "Token \(token)"))
        }
        let body = Array(lines.lineProtocolBody.utf8)
        let context: TLSContext?
        switch tls {
        case nil: context = nil
        case .success(let made): context = made
        case .failure(let failure): return .refused(status: 0, failure.reason)   // a configuration problem: alarm, retry slowly
        }
        let (url, timeout, head) = (self.url, self.timeout, headers)
        let result = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: BoundedHTTP.post(url, headers: head, body: body, timeout: timeout,
                                                                bodyLimit: Self.replyLimit, tls: context))
            }
        }
        switch result {
        case .success(let reply):
            let body = reply.unread.map { Data("(\($0), not read)".utf8) } ?? reply.body
            return Self.classify(status: reply.status, body: body, retryAfter: reply.headers["retry-after"],
                                 location: reply.headers["location"])
        case .failure(let failure):
            return .retry(failure.problem, retryAfter: nil)
        }
    }

    /// Maps an HTTP answer to what the sender does with the batch.
    public static func classify(status: Int, body: Data, retryAfter: String?, location: String? = nil,
                                now: Date = Date()) -> SinkResult {
        let message = "HTTP \(status): " + serverMessage(body)
        switch status {
        case 200..<300: return .accepted
        case 300..<400:
            // Following would send the token to another origin (307) or turn
            // the write into an empty GET (302) that "succeeds": refuse instead.
            return .refused(status: status, "HTTP \(status) redirect to \(redirectTarget(location)), not followed: "
                            + "set feed.url to the write endpoint itself")
        case 400, 413, 422: return .rejected(message)
        case 408, 429, 500...: return .retry(message, retryAfter: retryAfter.flatMap { parseRetryAfter($0, now: now) })
        default: return .refused(status: status, message)
        }
    }

    /// The error text of an InfluxDB answer (`{"error":"..."}`, or
    /// `{"code":..,"message":".."}` on 2.x), else the body, cut to 500 bytes.
    static func serverMessage(_ body: Data) -> String {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            if let error = object["error"] as? String { return error }
            if let message = object["message"] as? String { return message }
        }
        let text = String(decoding: body.prefix(500), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "(no message)" : text
    }

    /// A Location header for a log line: without user info or query (they may
    /// carry secrets), cut to 200 characters (the server chose it).
    static func redirectTarget(_ location: String?) -> String {
        guard let location, !location.isEmpty else { return "(no Location)" }
        guard var parts = URLComponents(string: location) else { return String(location.prefix(200)) }
        parts.user = nil
        parts.password = nil
        parts.query = nil
        return String((parts.string ?? location).prefix(200))
    }

    /// `Retry-After` as seconds: either delta-seconds or an HTTP date.
    public static func parseRetryAfter(_ text: String, now: Date = Date()) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed), seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
