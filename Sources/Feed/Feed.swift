// The InfluxDB line-protocol feed to the central servers: encoding, the
// sinks (HTTP, TCP, file, stdout) and the sender that drains the outbox.
// (Being built: see the feed issue.)
