// pumpgw: the command-line front. Verbs and flags only; the work is done by
// the library modules. Exit codes: 0 ok, 1 bad input or failed check,
// 2 usage error. Errors go to stderr as one line each.

import Foundation

let usage = """
    pumpgw: monitoring gateway for booster pump stations

    Usage:
      pumpgw run --config FILE [--log-level info]
      pumpgw read --profile FILE (--host HOST [--port 502] [--framing tcp|rtu] | --serial TTY [--baud 9600])
                  [--unit 1] [--timeout 1s] [--json | --raw]
      pumpgw scan (--host HOST [--port 502] [--framing tcp|rtu] | --serial TTY [--baud 9600]) [--units 1-247] [--json]
      pumpgw simulate --profile FILE [--port 1502] [--unit 1] [--framing rtu | --serial TTY] [--duration S] [--scenario NAME] [faults...]
      pumpgw check FILE...
      pumpgw schema                                          (the JSON Schema of device profiles)
      pumpgw demo [--duration S]
      pumpgw status [--db FILE] [--json]
      pumpgw boost (--config FILE | --db FILE) --station ID [--device ID] --interval D --for D [--reason TEXT]
      pumpgw boost (--config FILE | --db FILE) --list [--json] | --cancel --station ID [--device ID]
      pumpgw deadletters [--db FILE] [--since 1h] [--json] | --requeue [--db FILE] [--since 1h]
      pumpgw report pressure (--config FILE | --db FILE) --station ID [--device ID] [--point P] [--since 7d] [--json]
      pumpgw history --point STATION/DEVICE/POINT [--db FILE] [--since 1h] [--csv]
      pumpgw bench raw --config FILE [--duration 30]
      pumpgw bench store --db FILE [--devices N] [--points M] [--cycles K | --duration S]
      pumpgw farm --profile FILE --devices N [--base-port 20000]   (benchmarks)
      pumpgw VERB --help

    """

let arguments = Array(CommandLine.arguments.dropFirst())
guard let verb = arguments.first else {
    FileHandle.standardError.write(Data(usage.utf8))
    exit(2)
}
let rest = Array(arguments.dropFirst())

let command: any Command.Type
switch verb {
case "run": command = RunCommand.self
case "read": command = ReadCommand.self
case "simulate": command = SimulateCommand.self
case "scan": command = ScanCommand.self
case "check": command = CheckCommand.self
case "schema": command = SchemaCommand.self
case "demo": command = DemoCommand.self
case "status": command = StatusCommand.self
case "deadletters": command = DeadLettersCommand.self
case "history": command = HistoryCommand.self
case "boost": command = BoostCommand.self
case "report": command = ReportCommand.self
case "bench": command = rest.first == "raw" ? RawBenchCommand.self : BenchCommand.self
case "farm": command = FarmCommand.self
case "--help", "-h", "help":
    print(usage, terminator: "")
    exit(0)
default:
    Console.error("unknown verb '\(verb)' (try: pumpgw --help)")
    exit(2)
}

if rest.contains("--help") || rest.contains("-h") {
    print(command.help, terminator: "")
    exit(0)
}
do {
    exit(try command.run(rest))
} catch let error as UsageError {
    Console.error("\(error.message) (see: pumpgw \(verb) --help)")
    exit(2)
} catch {
    Console.error("\(error)")
    exit(1)
}
