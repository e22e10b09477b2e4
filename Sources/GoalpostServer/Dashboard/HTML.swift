import Foundation
import GoalpostModel

/// Builds the dashboard's HTML as text. Everything that comes from data goes through `escape`.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A path segment, percent-encoded (customer ids and incident ids go into links).
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~@")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A whole page: the shared head (styles for light and dark), navigation, and `body`.
    static func page(title: String, body: String, refreshSeconds: Int? = 30) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        \(refreshSeconds.map { "<meta http-equiv=\"refresh\" content=\"\($0)\">" } ?? "")
        <title>\(escape(title)) · Goalpost</title>
        <style>\(style)</style>
        </head>
        <body>
        <header><a class="brand" href="/">Goalpost</a><nav><a href="/">Outcomes</a><a href="/customers">Customers</a><a href="/incidents">Incidents</a></nav></header>
        <main>
        \(body)
        </main>
        <footer>Served by goalpost · pages refresh every 30 s · <a href="/api/v1/openapi.json">API</a></footer>
        </body>
        </html>
        """
    }

    static let style = """
    :root{--bg:#f7f7f5;--panel:#fff;--text:#1d1f23;--muted:#6b7079;--line:#e2e3e0;--ok:#1f8a4c;--warn:#b7791f;--bad:#c53030;--accent:#2b6cb0;--heat0:#e8f5ec}
    @media (prefers-color-scheme: dark){:root{--bg:#15171a;--panel:#1e2125;--text:#e6e7e9;--muted:#9aa0a8;--line:#30343a;--ok:#48bb78;--warn:#ecc94b;--bad:#fc8181;--accent:#63b3ed;--heat0:#203026}}
    *{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--text)}
    header{display:flex;gap:2rem;align-items:center;padding:.7rem 1.5rem;background:var(--panel);border-bottom:1px solid var(--line)}
    header nav a{margin-right:1.2rem}.brand{font-weight:700;font-size:1.1rem;color:var(--text)}
    a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
    main{max-width:1200px;margin:0 auto;padding:1.2rem 1.5rem}footer{color:var(--muted);font-size:.8rem;text-align:center;padding:1rem}
    h1{font-size:1.5rem;margin:.2rem 0 .3rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}.lead{color:var(--muted);margin:0 0 1rem}
    .panel{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:1rem;margin-bottom:1rem;overflow-x:auto}
    table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
    th{font-size:.78rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
    .dot{display:inline-block;width:.7rem;height:.7rem;border-radius:50%;margin-right:.4rem;vertical-align:baseline}
    .ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad)}.dot.ok{background:var(--ok)}.dot.warn{background:var(--warn)}.dot.bad{background:var(--bad)}
    .pill{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.78rem;border:1px solid currentColor}
    .bar{height:.5rem;background:var(--line);border-radius:4px;min-width:5rem;overflow:hidden}.bar>span{display:block;height:100%}
    .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:.8rem}.stat .v{font-size:1.4rem;font-weight:600}.stat .k{color:var(--muted);font-size:.8rem}
    svg{display:block;max-width:100%;height:auto}svg text{fill:var(--muted);font-size:11px}svg .axis{stroke:var(--line)}svg .line{fill:none;stroke:var(--accent);stroke-width:1.8}
    svg .target{stroke:var(--ok);stroke-dasharray:4 3}svg .zero{stroke:var(--bad);stroke-dasharray:4 3}svg .deploy{stroke:var(--warn);stroke-width:1.5}svg .deploy-label{fill:var(--warn)}
    code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem}pre{white-space:pre-wrap}
    form.login{max-width:28rem}input[type=password]{width:100%;padding:.5rem;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--text)}
    button{margin-top:.6rem;padding:.45rem 1rem;border:0;border-radius:6px;background:var(--accent);color:#fff;font-weight:600}
    .muted{color:var(--muted)}.summary{font-size:1.05rem;font-weight:500}
    """

    // MARK: Formatting

    static func percent(_ value: Double?, digits: Int = 2) -> String {
        guard let value, value.isFinite else { return "—" }
        return String(format: "%.\(digits)f%%", value * 100)
    }

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "—" }
        if abs(value) >= 1_000_000 { return String(format: "%.1fM", value / 1_000_000) }
        if abs(value) >= 10_000 { return String(format: "%.1fk", value / 1_000) }
        return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    static func money(_ value: Double?) -> String {
        guard let value, value > 0 else { return "—" }
        if value >= 1_000_000 { return String(format: "$%.2fM", value / 1_000_000) }
        if value >= 1_000 { return String(format: "$%.0fk", value / 1_000) }
        return String(format: "$%.0f", value)
    }

    static func time(_ nanos: Int64?) -> String {
        guard let nanos else { return "—" }
        return Timestamp.format(nanos / 1_000_000_000 * 1_000_000_000).replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: " UTC")
    }

    /// ok, warn or bad, from whether a rule fires and how much budget is left.
    static func health(firing: Bool, budgetRemaining: Double, burn: Double) -> String {
        if firing || budgetRemaining < 0 { return "bad" }
        if budgetRemaining < 0.25 || burn > 1 { return "warn" }
        return "ok"
    }

    /// A duration for people: the two largest units (`138 d 3 h`, `3 h 38 min`, `45 s`).
    static func duration(_ span: TimeSpan) -> String {
        var seconds = span.nanoseconds / 1_000_000_000
        let units: [(Int64, String)] = [(86_400, "d"), (3_600, "h"), (60, "min"), (1, "s")]
        var parts: [String] = []
        for (size, name) in units where seconds >= size || (parts.isEmpty && size == 1) {
            parts.append("\(seconds / size) \(name)")
            seconds %= size
            if parts.count == 2 { break }
        }
        return parts.joined(separator: " ")
    }

    static func budgetBar(_ remaining: Double) -> String {
        let share = max(0, min(1, remaining))
        let colour = remaining < 0 ? "var(--bad)" : remaining < 0.25 ? "var(--warn)" : "var(--ok)"
        return "<div class=\"bar\" title=\"\(percent(remaining, digits: 1)) of the error budget left\"><span style=\"width:\(Int(share * 100))%;background:\(colour)\"></span></div>"
    }
}
