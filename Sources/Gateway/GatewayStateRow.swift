// The gateway's state row in the store, for `pumpgw status` (which reads only
// the store): written by the pipeline at each gateway health tick and at a
// clean stop. A failing store cannot take it; status then sees the row age.

import Feed
import Foundation
import Store

enum GatewayStateRow {
    static func save(_ feed: FeedStatus, to store: StationStore, target: String,
                     storeFailure: (message: String, time: Date)?, now: Date, stopped: Date? = nil) {
        let row = GatewayState(updated: now, pid: getpid(), stopped: stopped, feedTarget: target,
                               feedState: feed.state.name, feedLastSuccess: feed.lastSuccess, feedLastError: feed.lastError,
                               storeFailure: storeFailure?.message, storeFailureTime: storeFailure?.time)
        try? store.write { try $0.saveGatewayState(row) }
    }
}
