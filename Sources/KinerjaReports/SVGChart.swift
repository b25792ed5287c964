import Foundation

/// Charts as inline SVG: no script, no external file, readable by screen readers (a title and a description),
/// printable. The numbers are also in the page's tables; a chart only shows their shape.
public enum SVGChart {
    /// A colour per series, distinguishable in print and by most colour-blind readers.
    public static let palette = ["#1b7837", "#5aae61", "#f1a340", "#d6604d", "#8e0152", "#4d4d4d"]

    /// One horizontal bar per row, split into the series' shares of the row's total.
    public static func stackedBars(title: String, description: String, series: [String], rows: [(label: String, values: [Int])],
                                   width: Int = 640) -> String {
        let barHeight = 18, gap = 6, labelWidth = 130, legendHeight = 24
        let height = legendHeight + rows.count * (barHeight + gap) + gap
        let plot = Double(width - labelWidth - 10)
        var out = svgOpen(width: width, height: height, title: title, description: description)
        // The legend's entries one after the other, each as wide as its name (about 6.5 px a character at 11 px).
        var x = 10
        for (i, name) in series.enumerated() {
            out += "<rect x=\"\(x)\" y=\"4\" width=\"12\" height=\"12\" fill=\"\(palette[i % palette.count])\"/>"
            out += "<text x=\"\(x + 16)\" y=\"14\" font-size=\"11\">\(escape(name))</text>"
            x += 16 + Int(Double(name.count) * 6.5) + 14
        }
        for (r, row) in rows.enumerated() {
            let y = legendHeight + r * (barHeight + gap)
            out += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 13)\" font-size=\"11\" text-anchor=\"end\">\(escape(row.label))</text>"
            let total = row.values.reduce(0, +)
            var x = Double(labelWidth)
            for (i, v) in row.values.enumerated() where v > 0 && total > 0 {
                let w = plot * Double(v) / Double(total)
                out += "<rect x=\"\(fmt(x))\" y=\"\(y)\" width=\"\(fmt(w))\" height=\"\(barHeight)\" fill=\"\(palette[i % palette.count])\">"
                    + "<title>\(escape(row.label)): \(escape(series[i])) \(v)</title></rect>"
                x += w
            }
        }
        return out + "</svg>"
    }

    /// One column per point, on a 0-`maximum` scale; a missing value draws no column.
    public static func columns(title: String, description: String, points: [(label: String, value: Double?)],
                               maximum: Double = 100, unit: String = "%", width: Int = 640, height: Int = 180) -> String {
        let bottom = height - 22, top = 10, left = 36
        let step = Double(width - left - 10) / Double(max(1, points.count))
        var out = svgOpen(width: width, height: height, title: title, description: description)
        for tick in stride(from: 0.0, through: maximum, by: maximum / 4) {
            let y = Double(bottom) - (Double(bottom - top) * tick / maximum)
            out += "<line x1=\"\(left)\" x2=\"\(width - 10)\" y1=\"\(fmt(y))\" y2=\"\(fmt(y))\" stroke=\"#ccc\"/>"
            out += "<text x=\"\(left - 4)\" y=\"\(fmt(y + 4))\" font-size=\"10\" text-anchor=\"end\">\(fmt(tick))\(escape(unit))</text>"
        }
        for (i, p) in points.enumerated() {
            let x = Double(left) + Double(i) * step
            if let v = p.value {
                let h = Double(bottom - top) * min(max(v, 0), maximum) / maximum
                out += "<rect x=\"\(fmt(x + step * 0.15))\" y=\"\(fmt(Double(bottom) - h))\" width=\"\(fmt(step * 0.7))\" height=\"\(fmt(h))\" "
                    + "fill=\"\(palette[1])\"><title>\(escape(p.label)): \(fmt(v))\(escape(unit))</title></rect>"
            }
            out += "<text x=\"\(fmt(x + step / 2))\" y=\"\(height - 6)\" font-size=\"10\" text-anchor=\"middle\">\(escape(p.label))</text>"
        }
        return out + "</svg>"
    }

    static func svgOpen(width: Int, height: Int, title: String, description: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"\(width)\" height=\"\(height)\" "
            + "viewBox=\"0 0 \(width) \(height)\"><title>\(escape(title))</title><desc>\(escape(description))</desc>"
    }

    static func fmt(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v)
    }

    /// Text for XML and HTML.
    public static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
