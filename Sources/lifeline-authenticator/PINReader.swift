#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#endif
import Foundation

/// Reads PINs from standard input (`--pin-stdin`) or from the terminal with echo off. A PIN is never echoed or printed.
enum PINReader {
    /// One PIN: the first line of standard input, or typed at the terminal.
    static func current(stdin: Bool, prompt: String) throws -> String {
        if stdin { return try fromStdin() }
        return try fromTerminal(prompt)
    }

    /// A new PIN: from standard input, or typed twice at the terminal (they must match).
    static func new(stdin: Bool, prompt: String) throws -> String {
        if stdin { return try fromStdin() }
        let first = try fromTerminal(prompt)
        let second = try fromTerminal("Repeat the new PIN: ")
        guard first == second else { throw AppError(message: "the two PINs differ", status: 2) }
        return first
    }

    private static func fromStdin() throws -> String {
        guard let line = readLine(strippingNewline: true) else { throw AppError(message: "no PIN on standard input", status: 2) }
        let pin = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !pin.isEmpty else { throw AppError(message: "no PIN on standard input", status: 2) }
        return pin
    }

    private static func fromTerminal(_ prompt: String) throws -> String {
        let fd = open("/dev/tty", O_RDWR)
        guard fd >= 0 else { throw AppError(message: "no terminal to read the PIN from; use --pin-stdin", status: 2) }
        defer { close(fd) }
        _ = prompt.withCString { write(fd, $0, strlen($0)) }
        var saved = termios()
        tcgetattr(fd, &saved)
        var quiet = saved
        // Why echo off: a PIN on the screen is read over a shoulder or kept in a terminal's scroll-back.
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(fd, TCSAFLUSH, &quiet)
        defer { tcsetattr(fd, TCSAFLUSH, &saved); _ = "\n".withCString { write(fd, $0, 1) } }
        var bytes = [UInt8]()
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1, byte != 0x0A, byte != 0x0D, bytes.count < 64 { bytes.append(byte) }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }
}
