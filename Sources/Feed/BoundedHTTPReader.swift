// One HTTP exchange read by an adversary's rules: redirects are never
// followed (the 3xx itself is the answer, so credentials never leave the
// configured origin and a body is never replayed as a GET), and at most
// `bodyLimit` bytes of any reply body are read: enough for the server's
// error message. A body whose head announces more, or no length at all
// (chunked, or until close), is not read: the task is cancelled as the head
// arrives, which drops the connection. (Cancelling later, at the limit, is
// too late: URLSession keeps reading while the cancel is on its way, some
// 370 MB of a local endless chunked body.)

import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// What came back: the response head and at most `bodyLimit` bytes of body.
struct BoundedReply: Sendable {
    var response: HTTPURLResponse
    var body: Data
    /// True when the head announced a body beyond the limit (or no length), which was not read.
    var bodyOversized = false
}

/// The URLSession delegate of one HTTPSink: it answers every redirect with
/// nil and cuts every body at the limit. `final` and holding only a `let`
/// limit and a Mutex, so it is Sendable.
final class BoundedHTTPReader: NSObject, URLSessionDataDelegate, Sendable {
    /// A reply in progress: the continuation waiting for it, the head, the body so far.
    private struct Exchange {
        var continuation: CheckedContinuation<BoundedReply, any Error>
        var response: HTTPURLResponse?
        var body = Data()
    }

    let bodyLimit: Int
    private let exchanges = Mutex<[Int: Exchange]>([:])

    init(bodyLimit: Int) {
        self.bodyLimit = bodyLimit
    }

    /// Sends `request` on `session` (whose delegate is this reader) and waits for the bounded reply.
    func send(_ request: URLRequest, on session: URLSession) async throws -> BoundedReply {
        let task = session.dataTask(with: request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                exchanges.withLock { $0[task.taskIdentifier] = Exchange(continuation: continuation) }
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)   // never follow: the 3xx is handed to the sender as the answer
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        let http = response as? HTTPURLResponse
        // A body announced beyond the limit, or of unknown length, is not read: answer with the head alone.
        let length = response.expectedContentLength
        let oversized: Exchange? = exchanges.withLock { exchanges in
            exchanges[dataTask.taskIdentifier]?.response = http
            guard length > Int64(bodyLimit) || length < 0 else { return nil }
            return exchanges.removeValue(forKey: dataTask.taskIdentifier)
        }
        guard let oversized else {
            completionHandler(.allow)
            return
        }
        completionHandler(.cancel)
        finish(oversized, error: nil, oversized: true)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let full: Exchange? = exchanges.withLock { exchanges in
            guard var exchange = exchanges[dataTask.taskIdentifier] else { return nil }
            exchange.body.append(data.prefix(bodyLimit - exchange.body.count))
            guard exchange.body.count >= bodyLimit else {
                exchanges[dataTask.taskIdentifier] = exchange
                return nil
            }
            exchanges[dataTask.taskIdentifier] = nil
            return exchange
        }
        guard let full else { return }
        // More than the head announced: answer now and drop the connection.
        dataTask.cancel()
        finish(full, error: nil)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let exchange = exchanges.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
        finish(exchange, error: error)
    }

    private func finish(_ exchange: Exchange, error: (any Error)?, oversized: Bool = false) {
        if let error {
            exchange.continuation.resume(throwing: error)
        } else if let response = exchange.response {
            exchange.continuation.resume(returning: BoundedReply(response: response, body: exchange.body,
                                                                       bodyOversized: oversized))
        } else {
            exchange.continuation.resume(throwing: URLError(.badServerResponse))
        }
    }
}
