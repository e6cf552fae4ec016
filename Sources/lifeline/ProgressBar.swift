import Foundation
import Synchronization

/// A progress display on standard error: a bar redrawn in place on a terminal, and a plain line per tenth
/// otherwise (a log or a pipe gets no control characters). Standard output stays for the summary.
final class ProgressBar: Sendable {
    private let tty: Bool
    private let state = Mutex<(phase: String, tenth: Int, drawn: Bool)>(("", -1, false))

    init(tty: Bool = isatty(STDERR_FILENO) == 1) { self.tty = tty }

    /// Shows that `done` of `total` (nil: not known yet) are done in `phase`.
    func update(_ phase: String, _ done: Int, _ total: Int?) {
        state.withLock { s in
            if tty {
                let line: String
                if let total, total > 0 {
                    let width = 30, filled = min(width, done * width / total)
                    line = "\(phase) [\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(total)"
                } else {
                    line = "\(phase) \(done)"
                }
                FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
                s.drawn = true
            } else {
                let tenth = total.map { $0 > 0 ? done * 10 / $0 : 10 } ?? -1
                guard phase != s.phase || (total != nil && tenth != s.tenth) else { return }
                s.phase = phase; s.tenth = tenth
                let text = total.map { "\(phase): \(done)/\($0)" } ?? "\(phase): \(done)"
                FileHandle.standardError.write(Data("\(text)\n".utf8))
            }
        }
    }

    /// Ends the bar's line (on a terminal) before the summary is printed.
    func finish() {
        state.withLock { s in
            if tty && s.drawn { FileHandle.standardError.write(Data("\n".utf8)); s.drawn = false }
        }
    }
}
