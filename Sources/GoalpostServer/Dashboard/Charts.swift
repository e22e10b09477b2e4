import Foundation
import GoalpostModel

/// SVG charts drawn by Goalpost itself: no front-end library, readable without JavaScript.
enum Charts {
    struct Marker {
        var time: Int64
        var label: String
    }

    /// A line over time. `values` may have gaps (nil); `guides` are horizontal reference lines (value, CSS class,
    /// label); `markers` are vertical lines (deploys).
    static func line(
        times: [Int64], values: [Double?], yRange: ClosedRange<Double>, format: (Double) -> String,
        guides: [(Double, String, String)] = [], markers: [Marker] = [], title: String, width: Int = 960, height: Int = 220
    ) -> String {
        guard let first = times.first, let last = times.last, last > first else {
            return "<p class=\"muted\">No data in this range yet.</p>"
        }
        let left = 64.0, right = 16.0, top = 14.0, bottom = 26.0
        let plotWidth = Double(width) - left - right, plotHeight = Double(height) - top - bottom
        let span = yRange.upperBound - yRange.lowerBound
        func x(_ t: Int64) -> Double { left + plotWidth * Double(t - first) / Double(last - first) }
        func y(_ v: Double) -> Double {
            let clamped = min(max(v, yRange.lowerBound), yRange.upperBound)
            return top + plotHeight * (1 - (clamped - yRange.lowerBound) / (span > 0 ? span : 1))
        }
        var svg = "<svg viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(HTML.escape(title))\"><title>\(HTML.escape(title))</title>"
        // Axes and labels.
        svg += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(top + plotHeight)\" x2=\"\(left + plotWidth)\" y2=\"\(top + plotHeight)\"/>"
        for fraction in [0.0, 0.5, 1.0] {
            let value = yRange.lowerBound + span * fraction
            svg += "<line class=\"axis\" x1=\"\(left)\" y1=\"\(f(y(value)))\" x2=\"\(left + plotWidth)\" y2=\"\(f(y(value)))\" opacity=\"0.5\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(f(y(value) + 4))\" text-anchor=\"end\">\(HTML.escape(format(value)))</text>"
        }
        for fraction in [0.0, 0.25, 0.5, 0.75, 1.0] {
            let t = first + Int64(Double(last - first) * fraction)
            svg += "<text x=\"\(f(x(t)))\" y=\"\(height - 8)\" text-anchor=\"\(fraction == 0 ? "start" : fraction == 1 ? "end" : "middle")\">\(HTML.escape(label(t, span: last - first)))</text>"
        }
        for (value, cssClass, text) in guides where yRange.contains(value) {
            svg += "<line class=\"\(cssClass)\" x1=\"\(left)\" y1=\"\(f(y(value)))\" x2=\"\(left + plotWidth)\" y2=\"\(f(y(value)))\"><title>\(HTML.escape(text))</title></line>"
        }
        for marker in markers where marker.time >= first && marker.time <= last {
            let mx = f(x(marker.time))
            svg += "<line class=\"deploy\" x1=\"\(mx)\" y1=\"\(top)\" x2=\"\(mx)\" y2=\"\(top + plotHeight)\"><title>\(HTML.escape(marker.label))</title></line>"
            // Labels near the right edge go to the left of their line.
            let leftward = x(marker.time) > left + plotWidth * 0.8
            svg += "<text class=\"deploy-label\" x=\"\(mx)\" y=\"\(top + 10)\" dx=\"\(leftward ? -3 : 3)\" text-anchor=\"\(leftward ? "end" : "start")\">\(HTML.escape(marker.label))</text>"
        }
        // The line, broken where there is no data.
        var path = ""
        var drawing = false
        for (t, value) in zip(times, values) {
            guard let value, value.isFinite else { drawing = false; continue }
            path += (drawing ? "L" : "M") + "\(f(x(t))),\(f(y(value)))"
            drawing = true
        }
        if !path.isEmpty { svg += "<path class=\"line\" d=\"\(path)\"/>" }
        return svg + "</svg>"
    }

    /// Customers × time, colour = bad ratio (0 green-grey, rising to red); an empty bucket is left blank.
    static func heatmap(rows: [(label: String, link: String, ratios: [Double?])], times: [Int64], title: String, width: Int = 960) -> String {
        guard !rows.isEmpty, let first = times.first, let last = times.last else {
            return "<p class=\"muted\">No customer traffic in this range yet.</p>"
        }
        let left = 150.0, top = 6.0, rowHeight = 16.0, bottom = 24.0
        let columns = max(1, rows.map(\.ratios.count).max() ?? 1)
        let cellWidth = (Double(width) - left - 10) / Double(columns)
        let height = Int(top + rowHeight * Double(rows.count) + bottom)
        var svg = "<svg viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"\(HTML.escape(title))\"><title>\(HTML.escape(title))</title>"
        for (index, row) in rows.enumerated() {
            let y = top + rowHeight * Double(index)
            svg += "<a href=\"\(row.link)\"><text x=\"\(left - 6)\" y=\"\(f(y + 12))\" text-anchor=\"end\">\(HTML.escape(row.label))</text></a>"
            for (column, ratio) in row.ratios.enumerated() {
                guard let ratio else { continue }
                let x = left + cellWidth * Double(column)
                svg += "<rect x=\"\(f(x))\" y=\"\(f(y + 1))\" width=\"\(f(max(1, cellWidth - 0.5)))\" height=\"\(f(rowHeight - 2))\" fill=\"\(colour(ratio))\">"
                svg += "<title>\(HTML.escape(row.label)) \(HTML.escape(HTML.time(times.indices.contains(column) ? times[column] : nil))): \(HTML.percent(ratio, digits: 1)) bad</title></rect>"
            }
        }
        let axisY = top + rowHeight * Double(rows.count) + 16
        svg += "<text x=\"\(left)\" y=\"\(f(axisY))\">\(HTML.escape(label(first, span: last - first)))</text>"
        svg += "<text x=\"\(width - 10)\" y=\"\(f(axisY))\" text-anchor=\"end\">\(HTML.escape(label(last, span: last - first)))</text>"
        return svg + "</svg>"
    }

    /// Bad ratio to colour: 0 is the calm background tint; anything bad moves towards red, with a log-like
    /// scale so 1% and 10% are told apart from 100%.
    static func colour(_ ratio: Double) -> String {
        if ratio <= 0 { return "var(--heat0)" }
        let strength = min(1, max(0.15, (log10(max(ratio, 0.001)) + 3) / 3))
        return String(format: "rgba(197,48,48,%.2f)", strength)
    }

    private static func label(_ nanos: Int64, span: Int64) -> String {
        let text = Timestamp.format(nanos / 60_000_000_000 * 60_000_000_000)  // 2026-11-23T14:05:00Z
        let date = text.prefix(10), clock = text.dropFirst(11).prefix(5)
        return span > 2 * 86_400_000_000_000 ? "\(date.dropFirst(5)) \(clock)" : String(clock)
    }

    private static func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
