// The schema of DESIGN.md, line by line, with the expected lines written out.

import Foundation
import Testing
@testable import Feed
import Decoding
import Rules
import Telemetry

@Suite struct FeedLinesTests {
    let identity = DeviceIdentity(station: "FT-0412", device: "ctrl1", profile: "grundfos-hydro-mpc",
                                  tags: ["district": "futian", "estate": "", "station": "overridden"])

    @Test func stationLine() {
        let sample = DeviceSample(identity: identity, time: epoch, points: [
            PointSample(name: "outlet_pressure", unit: "MPa", reading: .good(.double(0.453))),
            PointSample(name: "inlet_pressure", unit: "MPa", reading: .invalid("sentinel")),
            PointSample(name: "run_hours", reading: .good(.integer(1234))),
            PointSample(name: "flow", reading: .error("timed out")),
            PointSample(name: "total", reading: .good(.unsigned(987_654_321))),
            PointSample(name: "pump1_running", reading: .good(.bool(true))),
            PointSample(name: "mode", reading: .good(.string("auto"))),
            PointSample(name: "temperature", reading: .good(.double(.nan))),
        ])
        #expect(FeedLines().station(sample) == "pump_station,device=ctrl1,district=futian,profile=grundfos-hydro-mpc,"
            + "station=FT-0412 outlet_pressure=0.453,run_hours=1234i,total=987654321i,pump1_running=true,mode=\"auto\" "
            + "1764115200500")
    }

    @Test func stationLineWithNoGoodPointIsNotWritten() {
        let sample = DeviceSample(identity: identity, time: epoch,
                                  points: [PointSample(name: "flow", reading: .error("timed out"))])
        #expect(FeedLines().station(sample) == nil)
    }

    @Test func hostileStationName() throws {
        let hostile = DeviceIdentity(station: "福田区泵房 1,2", device: "ctrl=1", profile: "p", tags: ["区": "福田"])
        let sample = DeviceSample(identity: hostile, time: epoch,
                                  points: [PointSample(name: "a b", reading: .good(.string("x\"y\\z")))])
        let line = try #require(FeedLines(precision: .s).station(sample))
        #expect(line == #"pump_station,device=ctrl\=1,profile=p,station=福田区泵房\ 1\,2,区=福田 a\ b="x\"y\\z" 1764115201"#)
        let parsed = try LineProtocolParser.parse(line)
        #expect(parsed.tags.map(\.key) == ["device", "profile", "station", "区"])
        #expect(parsed.tags[2].value == "福田区泵房 1,2")
    }

    @Test func alarmLines() {
        let raised = AlarmEvent(station: "FT-0412", device: "ctrl1", point: "outlet_pressure", rule: "high",
                                severity: .major, state: .raised, value: 0.62, limit: 0.6, time: epoch,
                                message: "Outlet pressure 0.62 MPa above 0.60 MPa for 10 s")
        #expect(FeedLines().alarm(raised) == "pump_alarm,device=ctrl1,point=outlet_pressure,rule=high,severity=major,"
            + "station=FT-0412 state=\"raised\",value=0.62,limit=0.6,"
            + "message=\"Outlet pressure 0.62 MPa above 0.60 MPa for 10 s\" 1764115200500")
        let cleared = AlarmEvent(station: "FT-0412", device: "ctrl1", point: "", rule: "commLoss", severity: .critical,
                                 state: .cleared, value: nil, limit: nil, time: epoch, message: "Device answers again\nafter 5 min")
        #expect(FeedLines().alarm(cleared) == "pump_alarm,device=ctrl1,rule=commLoss,severity=critical,station=FT-0412 "
            + "state=\"cleared\",message=\"Device answers again after 5 min\" 1764115200500")
    }

    @Test func deviceHealthLine() {
        let health = DeviceHealth(identity: identity, time: epoch, connected: false, pollMilliseconds: 512.5, errors: 7,
                                  consecutiveFailures: 3, lastGoodPoll: nil, lastError: "timed out")
        #expect(FeedLines().health(health) == "pumpgw_health,device=ctrl1,station=FT-0412 connected=false,poll_ms=512.5,"
            + "errors=7i,consecutive_failures=3i,last_error=\"timed out\" 1764115200500")
    }

    @Test func gatewayHealthLine() {
        var status = FeedStatus()
        status.state = .failing("HTTP 401: authorization failed")
        status.sentLines = 100
        status.retries = 2
        status.deadLettered = 1
        status.lastError = "HTTP 401: authorization failed"
        let health = GatewayHealth(gateway: "gw-01", time: epoch, outboxDepth: 42, droppedLines: 5, feed: status)
        #expect(FeedLines().gateway(health) == "pumpgw_health,gateway=gw-01 outbox_depth=42i,dropped_lines=5i,"
            + "sent_lines=100i,retries=2i,dead_lettered=1i,feed_ok=false,feed_state=\"failing\","
            + "last_error=\"HTTP 401: authorization failed\" 1764115200500")
    }
}
