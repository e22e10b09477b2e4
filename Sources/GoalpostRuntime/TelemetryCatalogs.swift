import GoalpostEvaluation
import GoalpostModel
import GoalpostTelemetry

/// The telemetry catalog of recorded telemetry (OTLP/JSON lines), for `goalpost define`, `catalog` and `coverage`
/// without a server: every event decoded, none evaluated.
public enum TelemetryCatalogs {
    struct Sink: TelemetrySink {
        var builder: TelemetryCatalogBuilder

        mutating func receive(_ event: Event, symbols: SymbolTable) { builder.add(event) }
        mutating func receive(_ sample: MetricSample, symbols: SymbolTable) { builder.add(sample) }
    }

    /// Reads `files` in order; bad lines are skipped (and told to `problems`).
    public static func from(files: [String], problems: (RecordedTelemetryError) -> Void = { _ in }) throws(RecordedTelemetryError) -> TelemetryCatalog {
        var symbols = SymbolTable()
        var sink = Sink(builder: TelemetryCatalogBuilder())
        for file in files {
            var reader = RecordedTelemetryReader(path: file)
            _ = try reader.replay(symbols: &symbols, into: &sink, problems: problems)
        }
        return sink.builder.catalog(symbols: symbols)
    }
}
