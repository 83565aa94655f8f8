// libFuzzer target: the HTTP request-head parser on any bytes. It must give
// a request, "incomplete" or a refusal, never trap; and what it says must be
// consistent: a request consumed no more bytes than it was given nor more
// than the head limit, parsing the consumed prefix alone gives the same
// request, and anything at or past the limit without a head is a 431.
// Built and run by Fuzz/run.sh together with the HTTPServer module.

import HTTPServer

@_cdecl("LLVMFuzzerTestOneInput")
public func httpRequestFuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    // A small limit too, so that the fuzzer reaches the 431 paths with short inputs.
    for parser in [HTTPRequestParser(), HTTPRequestParser(maxHeadBytes: 64, maxHeaderCount: 3)] {
        switch parser.parse(bytes) {
        case .request(let request, let consumed):
            precondition(consumed > 0 && consumed <= bytes.count && consumed <= parser.maxHeadBytes)
            precondition(request.path.hasPrefix("/"))
            precondition(parser.parse(bytes[..<consumed]) == .request(request, consumed: consumed))
            _ = request.keepAlive
            _ = request.announcesBody
        case .incomplete:
            precondition(bytes.count < parser.maxHeadBytes)
        case .failure(let failure):
            precondition([400, 431, 505].contains(failure.status))
        }
    }
    return 0
}
