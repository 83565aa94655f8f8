// The rules stage as the pipeline sees it: one alarm engine per device.
// (Filled in when the rules engine lands.)

import Decoding
import Foundation
import Rules

final class AlarmStage: @unchecked Sendable {
    init() {}

    func evaluate(_ report: PollReport) -> [AlarmEvent] { [] }

    func tick(now: Date) -> [AlarmEvent] { [] }
}
