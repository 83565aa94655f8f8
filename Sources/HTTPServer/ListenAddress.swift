// `http.listen` as the config writes it: "127.0.0.1:9108", "[::1]:9108",
// "0.0.0.0:9108". Numeric addresses only: a listener never waits on DNS.

import Glibc

public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses "HOST:PORT" ("[V6]:PORT" for IPv6); the message says what is wrong.
    public static func parse(_ text: String) -> Result<ListenAddress, ListenAddressError> {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return .failure(ListenAddressError(message: "'\(text)' is not [IPV6]:PORT"))
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(ListenAddressError(message: "'\(text)' has no port; write HOST:PORT, e.g. 127.0.0.1:9108"))
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard let port = UInt16(portText) else {
            return .failure(ListenAddressError(message: "'\(portText)' in '\(text)' is not a port number (0-65535)"))
        }
        let address = ListenAddress(host: String(host), port: port)
        guard address.family != nil else {
            return .failure(ListenAddressError(message: "'\(host)' in '\(text)' is not a numeric IPv4 or IPv6 address"))
        }
        return .success(address)
    }

    /// AF_INET or AF_INET6, or nil when the host is not a numeric address.
    var family: Int32? {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return AF_INET }
        if inet_pton(AF_INET6, host, &v6) == 1 { return AF_INET6 }
        return nil
    }

    /// 127.0.0.0/8 or ::1: only this machine can connect.
    public var isLoopback: Bool {
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        if inet_pton(AF_INET6, host, &v6) == 1 { return host == "::1" || v6 == in6addr_loopback }
        return false
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

public struct ListenAddressError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension in6_addr {
    static func == (a: in6_addr, b: in6_addr) -> Bool {
        withUnsafeBytes(of: a) { x in withUnsafeBytes(of: b) { y in x.elementsEqual(y) } }
    }
}
