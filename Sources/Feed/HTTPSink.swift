// HTTP sinks through URLSession: InfluxDB 1.x `/write`, InfluxDB 2.x/3.x
// `/api/v2/write` and VictoriaMetrics `/write`. Credentials travel in the
// Authorization header only, never in the URL or a log line, and never to
// another origin: redirects are not followed (a 3xx is a configuration
// error), and at most `replyLimit` bytes of a reply body are read. `http://`
// goes over a socket of the sink's own (PlainHTTP: hard bounds), `https://`
// through URLSession (BoundedHTTPReader).

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

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
    private let session: URLSession
    private let reader: BoundedHTTPReader
    /// Plain HTTP's blocking socket calls run here, off the cooperative pool.
    private let queue = DispatchQueue(label: "pumpgw.feed.http")

    /// The most of a reply body read: enough for InfluxDB's error message.
    public static let replyLimit = 4096

    /// `timeout` bounds each request (connect, send and answer), in seconds.
    public init(url: URL, credentials: HTTPCredentials, timeout: Double = 10) {
        self.url = url
        self.credentials = credentials
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.urlCredentialStorage = nil
        reader = BoundedHTTPReader(bodyLimit: Self.replyLimit)
        session = URLSession(configuration: configuration, delegate: reader, delegateQueue: nil)
    }

    deinit { session.finishTasksAndInvalidate() }

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
        return url.scheme == "http" ? await writePlain(headers, body) : await writeThroughURLSession(headers, body)
    }

    private func writePlain(_ headers: [(String, String)], _ body: [UInt8]) async -> SinkResult {
        let (url, timeout) = (self.url, self.timeout)
        let result = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: PlainHTTP.post(url, headers: headers, body: body, timeout: timeout,
                                                              bodyLimit: Self.replyLimit))
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

    private func writeThroughURLSession(_ headers: [(String, String)], _ body: [UInt8]) async -> SinkResult {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = Data(body)
        do {
            let reply = try await reader.send(request, on: session)
            let http = reply.response
            let size = http.expectedContentLength < 0 ? "unknown length" : "\(http.expectedContentLength) bytes"
            let body = reply.bodyOversized ? Data("(a reply body of \(size), not read)".utf8) : reply.body
            return Self.classify(status: http.statusCode, body: body,
                                 retryAfter: http.value(forHTTPHeaderField: "Retry-After"),
                                 location: http.value(forHTTPHeaderField: "Location"))
        } catch let error as URLError {
            return .retry(Self.describe(error), retryAfter: nil)
        } catch {
            return .retry("\(error)", retryAfter: nil)
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

    /// A URLError as words and its code's name, never a bare "-1002".
    static func describe(_ error: URLError) -> String {
        switch error.code {
        case .timedOut: return "timed out"
        case .cannotConnectToHost: return "connection refused"
        case .networkConnectionLost: return "connection lost"
        case .cannotFindHost, .dnsLookupFailed: return "cannot resolve the host"
        case .notConnectedToInternet: return "network unreachable"
        default: return "URLError \(URLErrorNames.name(error.code)) (\(error.code.rawValue))"
        }
    }
}
