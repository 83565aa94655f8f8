// The names of URLError codes, for log lines an operator can search for:
// "URLError unsupportedURL (-1002)" rather than "network error -1002".

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

enum URLErrorNames {
    static func name(_ code: URLError.Code) -> String {
        names[code.rawValue] ?? "code"
    }

    /// Foundation's URLError.Code case names by raw value.
    private static let names: [Int: String] = [
        -1: "unknown", -999: "cancelled", -1000: "badURL", -1001: "timedOut", -1002: "unsupportedURL",
        -1003: "cannotFindHost", -1004: "cannotConnectToHost", -1005: "networkConnectionLost",
        -1006: "dnsLookupFailed", -1007: "httpTooManyRedirects", -1008: "resourceUnavailable",
        -1009: "notConnectedToInternet", -1010: "redirectToNonExistentLocation", -1011: "badServerResponse",
        -1012: "userCancelledAuthentication", -1013: "userAuthenticationRequired", -1014: "zeroByteResource",
        -1015: "cannotDecodeRawData", -1016: "cannotDecodeContentData", -1017: "cannotParseResponse",
        -1018: "internationalRoamingOff", -1019: "callIsActive", -1020: "dataNotAllowed",
        -1021: "requestBodyStreamExhausted", -1022: "appTransportSecurityRequiresSecureConnection",
        -1100: "fileDoesNotExist", -1101: "fileIsDirectory", -1102: "noPermissionsToReadFile",
        -1103: "dataLengthExceedsMaximum", -1200: "secureConnectionFailed", -1201: "serverCertificateHasBadDate",
        -1202: "serverCertificateUntrusted", -1203: "serverCertificateHasUnknownRoot",
        -1204: "serverCertificateNotYetValid", -1205: "clientCertificateRejected",
        -1206: "clientCertificateRequired", -2000: "cannotLoadFromNetwork", -3000: "cannotCreateFile",
        -3001: "cannotOpenFile", -3002: "cannotCloseFile", -3003: "cannotWriteToFile",
        -3004: "cannotRemoveFile", -3005: "cannotMoveFile", -3006: "downloadDecodingFailedMidStream",
        -3007: "downloadDecodingFailedToComplete",
    ]
}
