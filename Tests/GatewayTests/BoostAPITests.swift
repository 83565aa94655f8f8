// Who may POST /api/boost: a loopback listener and the custom header, both
// (the rest of the endpoint is tested against a gateway child in
// BoostEndToEndTests.httpBoost; a listener off loopback cannot be opened in
// the tests, which stay on 127.0.0.1).

import Foundation
@testable import Gateway
import HTTPServer
import Testing

@Suite("POST /api/boost: who may")
struct BoostAPITests {
    static let post = HTTPRequest(method: "POST", path: "/api/boost", query: [("station", "FT-0412")],
                                  headers: [("x-pumpgw", "boost")])

    @Test func offLoopbackRefusedEvenWithTheHeader() {
        let refusal = BoostAPI.refusal(Self.post, loopback: false)
        let text = String(decoding: refusal?.body ?? [], as: UTF8.self)
        #expect(refusal?.status == 403)
        #expect(text.contains("need a loopback listener"), "\(text)")
    }

    @Test func onLoopbackWithTheHeaderAllowed() {
        #expect(BoostAPI.refusal(Self.post, loopback: true)?.status == nil)
    }

    @Test func onLoopbackWithoutTheHeaderRefused() {
        var request = Self.post
        request.headers = [("x-pumpgw", "yes")]
        #expect(BoostAPI.refusal(request, loopback: true)?.status == 403)
    }
}
